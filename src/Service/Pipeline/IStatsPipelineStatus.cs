namespace Jaqmc.Service;

/// <summary>
/// What the writer service has done so far: for a host that reports it or turns a writer's failure into its exit
/// code. Resolve it from the container next to <see cref="Jaqmc.Sinks.IStatsRecorder"/>.
/// </summary>
public interface IStatsPipelineStatus
{
    /// <summary>The first permanent writer failure, or <see langword="null"/> while every writer works.</summary>
    Exception? Fault { get; }

    /// <summary>Records dropped because the queue was full under a drop <see cref="PipelineOptions.FullMode"/>.</summary>
    long Dropped { get; }

    /// <summary>Per-writer totals so far (a copy).</summary>
    IReadOnlyList<WriterSummary> Summaries { get; }
}
