namespace Jaqmc.Sinks;

/// <summary>
/// Where the training loop sends its statistics. The service's pipeline implements it; the loop never does I/O
/// itself.
/// </summary>
/// <remarks>
/// Called from one producer (the training loop), in order. Pass the host's stopping token only if you want a stop
/// to abandon the call: a loop that stops at a step boundary passes none (the default), so its last records, its
/// flush barrier and its end of stage complete while the writer service drains.
/// </remarks>
public interface IStatsRecorder
{
    /// <summary>
    /// Starts a stage: every enabled writer is opened with <paramref name="initialStep"/> (and discards anything
    /// it holds at or after it). Returns once the writers are scheduled to open; records may follow at once.
    /// </summary>
    ValueTask BeginStageAsync(string stage, long initialStep, CancellationToken cancellationToken = default);

    /// <summary>
    /// Hands one step's statistics to the pipeline. Completes synchronously while the queue has room; otherwise
    /// behaves as <c>Pipeline:FullMode</c> says (wait, drop, or throw).
    /// </summary>
    /// <exception cref="StatsPipelineException">A writer failed permanently, the queue is full under
    /// <c>FullMode=Fail</c>, or the step is lower than the previous one.</exception>
    ValueTask RecordAsync(StatsRecord record, CancellationToken cancellationToken = default);

    /// <summary>
    /// The flush barrier: completes when every record handed over so far (so every step up to
    /// <paramref name="step"/>) is written and flushed by every writer. Await it before saving a checkpoint.
    /// </summary>
    ValueTask FlushAsync(long step, CancellationToken cancellationToken = default);

    /// <summary>Ends the stage: drains every queue, flushes and closes the writers.</summary>
    ValueTask EndStageAsync(StageOutcome outcome, CancellationToken cancellationToken = default);
}
