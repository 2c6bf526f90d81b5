using Microsoft.Extensions.Logging;

namespace Jaqmc.Service.Pipeline;

/// <summary>What every writer did across stages, and the summary logged at stop.</summary>
internal sealed class PipelineReport(ILogger logger)
{
    private readonly Dictionary<string, WriterSummary> _summaries = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _lock = new();

    public IReadOnlyList<WriterSummary> Summaries
    {
        get
        {
            lock (_lock)
            {
                return _summaries.Values.ToArray();
            }
        }
    }

    /// <summary>Lists a stage's writers, so a writer that never wrote is reported too.</summary>
    public void Begin(StageWriters writers)
    {
        lock (_lock)
        {
            foreach (var pump in writers.Pumps)
            {
                _summaries.TryAdd(pump.Name, new WriterSummary(pump.Name, 0, 0, 0, null));
            }
        }
    }

    /// <summary>Adds a closed (or aborted) stage's counts.</summary>
    public void Add(StageWriters writers, int stillQueuedInPipeline = 0)
    {
        lock (_lock)
        {
            foreach (var pump in writers.Pumps)
            {
                var summary = _summaries[pump.Name];
                _summaries[pump.Name] = summary with
                {
                    Written = summary.Written + pump.Written,
                    Failed = summary.Failed + pump.Failed,
                    StillQueued = summary.StillQueued + pump.Queue.Count + pump.Abandoned + stillQueuedInPipeline,
                    Error = summary.Error ?? pump.Fault?.Message,
                };
            }
        }
    }

    public void Log(long dropped)
    {
        foreach (var s in Summaries)
        {
            var level = s.Failed > 0 || s.StillQueued > 0 || s.Error is not null ? LogLevel.Error : LogLevel.Information;
            PipelineLog.WriterSummary(logger, level, s.Writer, s.Written, dropped, s.Failed, s.StillQueued, s.Error is null ? string.Empty : " (stopped by the error reported above)");
        }
    }
}
