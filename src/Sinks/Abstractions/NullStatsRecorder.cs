
namespace Jaqmc.Sinks;

/// <summary>A recorder that records nothing (used by processes other than the master, and by benchmarks).</summary>
public sealed class NullStatsRecorder : IStatsRecorder
{
    /// <inheritdoc />
    public ValueTask BeginStageAsync(string stage, long initialStep, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <inheritdoc />
    public ValueTask RecordAsync(StatsRecord record, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <inheritdoc />
    public ValueTask FlushAsync(long step, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <inheritdoc />
    public ValueTask EndStageAsync(StageOutcome outcome, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
