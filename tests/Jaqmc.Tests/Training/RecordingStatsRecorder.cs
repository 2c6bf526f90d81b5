using Jaqmc.Sinks;
using Jaqmc.Training;

namespace Jaqmc.Tests.Training;

/// <summary>
/// A recorder that keeps what it is given, per stage, and models a writer's resume: beginning a stage at
/// <c>initialStep</c> keeps only the first <c>initialStep</c> rows, as the CSV and HDF5 writers do.
/// </summary>
internal sealed class RecordingStatsRecorder : IStatsRecorder
{
    private readonly Dictionary<string, List<StatsRecord>> _rows = new(StringComparer.Ordinal);

    /// <summary>Called after each record is stored (tests use it to stop the run at a chosen step).</summary>
    public Action<StatsRecord>? OnRecord { get; set; }

    /// <summary>Called after a stage's end is stored (tests throw from it to model a crash while writers close).</summary>
    public Action<string, StageOutcome>? OnEnd { get; set; }

    public List<(string Stage, long InitialStep)> Begins { get; } = [];

    public List<StageOutcome> Ends { get; } = [];

    public List<long> Flushes { get; } = [];

    private string? _stage;

    public IReadOnlyList<StatsRecord> Rows(string stage) => _rows.TryGetValue(stage, out var rows) ? rows : [];

    public ValueTask BeginStageAsync(string stage, long initialStep, CancellationToken cancellationToken)
    {
        Assert.Null(_stage);
        _stage = stage;
        Begins.Add((stage, initialStep));
        if (!_rows.TryGetValue(stage, out var rows))
        {
            _rows[stage] = rows = [];
        }

        if (rows.Count > initialStep)
        {
            rows.RemoveRange((int)initialStep, rows.Count - (int)initialStep);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask RecordAsync(StatsRecord record, CancellationToken cancellationToken)
    {
        Assert.Equal(_stage, record.Stage);
        var rows = _rows[record.Stage];
        Assert.Equal(rows.Count, record.Step);
        rows.Add(record);
        OnRecord?.Invoke(record);
        return ValueTask.CompletedTask;
    }

    public ValueTask FlushAsync(long step, CancellationToken cancellationToken)
    {
        Assert.NotNull(_stage);
        Flushes.Add(step);
        return ValueTask.CompletedTask;
    }

    public ValueTask EndStageAsync(StageOutcome outcome, CancellationToken cancellationToken)
    {
        var stage = Assert.IsType<string>(_stage);
        _stage = null;
        Ends.Add(outcome);
        OnEnd?.Invoke(stage, outcome);
        return ValueTask.CompletedTask;
    }
}
