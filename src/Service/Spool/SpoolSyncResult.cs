namespace Jaqmc.Service;

/// <summary>What <see cref="IStatsSpoolSync.SyncAsync"/> did.</summary>
/// <param name="Uploaded">Records uploaded.</param>
/// <param name="Left">Records still in the spools.</param>
/// <param name="LeftStageChanges">Stage opens and closes (statuses) still in the spools.</param>
/// <param name="Failure">The error that stopped an upload (bad credentials, ...), or null.</param>
public sealed record SpoolSyncResult(long Uploaded, long Left, long LeftStageChanges, Exception? Failure);
