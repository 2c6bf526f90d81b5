namespace Jaqmc.Sinks;

/// <summary>
/// A writer to a store on another machine (a database server). The writer service does not call it on the
/// training's path: it puts a durable local spool in front of it (<see cref="RemoteWriterOptions.Spool"/>), a flush
/// completes once records are in the spool, and an uploader replays the spool into this writer, in order, retrying
/// for as long as the store is away.
/// </summary>
/// <remarks>
/// The uploader replays what the spool holds: <see cref="IStatsWriter.OpenAsync"/> for every stage the training
/// opened (even when the store was down at the time, and even in a later process), the batches, and
/// <see cref="IStatsWriter.CloseAsync"/>. After a restart it may replay a stage from the middle, through
/// <see cref="ContinueAsync"/>, and it may hand over a batch a store already committed: every call must be
/// idempotent.
/// </remarks>
public interface IRemoteStatsWriter : IStatsWriter
{
    /// <summary>
    /// Opens the writer for a stage that an earlier instance (perhaps of an earlier process) has already opened
    /// with <paramref name="context"/>: like <see cref="IStatsWriter.OpenAsync"/>, but discards nothing, because the
    /// rows before the spool's remaining records were committed from segments already deleted. Every batch written
    /// afterwards replaces what the store holds for its own step range.
    /// </summary>
    ValueTask ContinueAsync(WriterContext context, CancellationToken cancellationToken);
}
