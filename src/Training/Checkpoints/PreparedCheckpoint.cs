namespace Jaqmc.Training.Checkpoints;

/// <summary>
/// A checkpoint written and fsynced under its temporary name, which no run takes for a checkpoint, and not yet renamed
/// to <see cref="Path"/> (<see cref="CheckpointStore.PrepareAsync"/>, then <see cref="CheckpointStore.Commit"/>).
/// </summary>
/// <param name="Stage">The stage it belongs to.</param>
/// <param name="TemporaryPath">Where it is written.</param>
/// <param name="Path">Where it goes when committed.</param>
internal sealed record PreparedCheckpoint(string Stage, string TemporaryPath, string Path);
