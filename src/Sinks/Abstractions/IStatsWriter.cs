namespace Jaqmc.Sinks;

/// <summary>
/// A destination for training statistics, with JaQMC's lifecycle: opened once per stage, written every step
/// (in batches), flushed, closed.
/// </summary>
/// <remarks>
/// <para>
/// A new instance is created for every stage, on the master process only (process index 0). Acquire resources
/// in <see cref="OpenAsync"/>, never in the constructor. All calls on one instance come from one task, in
/// order: <c>OpenAsync</c>, then any number of <c>WriteAsync</c>/<c>FlushAsync</c>, then <c>CloseAsync</c>,
/// then <c>DisposeAsync</c>. They never run on the training loop.
/// </para>
/// <para>
/// Any call may throw; the pipeline retries it with exponential backoff. A retried <see cref="WriteAsync"/>
/// receives the same batch again, so a write must be idempotent: after a failure, leave no partial batch behind
/// (or overwrite it). Throw <see cref="PermanentWriterException"/> for an error that retrying cannot fix.
/// </para>
/// </remarks>
public interface IStatsWriter : IAsyncDisposable
{
    /// <summary>
    /// Acquires resources for a stage. When <see cref="WriterContext.InitialStep"/> is k, discards everything
    /// held for this stage at a step ≥ k, so a resumed run ends with exactly one row per step.
    /// </summary>
    ValueTask OpenAsync(WriterContext context, CancellationToken cancellationToken);

    /// <summary>Writes a batch of records, in step order. One I/O per batch is the goal.</summary>
    /// <exception cref="InvalidOperationException">The writer is not open.</exception>
    ValueTask WriteAsync(IReadOnlyList<StatsRecord> batch, CancellationToken cancellationToken);

    /// <summary>Makes everything written so far visible to readers and safe from a crash of this process.</summary>
    ValueTask FlushAsync(CancellationToken cancellationToken);

    /// <summary>Flushes and releases the stage's resources.</summary>
    ValueTask CloseAsync(StageOutcome outcome, CancellationToken cancellationToken);
}
