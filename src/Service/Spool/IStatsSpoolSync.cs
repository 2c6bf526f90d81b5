namespace Jaqmc.Service;

/// <summary>
/// Uploads what the remote writers' spools of a run hold, without training: for a run on a machine without
/// database access, or one stopped during an outage (<c>jaqmc sync</c>). Registered by <c>AddStatsPipeline</c>.
/// </summary>
public interface IStatsSpoolSync
{
    /// <summary>
    /// Uploads every remote writer's spool in <paramref name="workingDirectory"/> until it is empty, retrying an
    /// unreachable store as the writer's <c>Retry</c> settings say, or until <paramref name="cancellationToken"/> is
    /// cancelled (what is left stays spooled).
    /// </summary>
    /// <param name="workingDirectory">The run's working directory.</param>
    /// <param name="progress">Told, about once a second, how many records have been uploaded so far.</param>
    /// <param name="cancellationToken">Stops the upload.</param>
    Task<SpoolSyncResult> SyncAsync(string workingDirectory, IProgress<long>? progress, CancellationToken cancellationToken);
}
