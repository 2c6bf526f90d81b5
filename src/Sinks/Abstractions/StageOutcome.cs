namespace Jaqmc.Sinks;

/// <summary>How a stage ended, passed to <see cref="IStatsWriter.CloseAsync"/>.</summary>
public enum StageOutcome
{
    /// <summary>The stage ran to its last step.</summary>
    Completed,

    /// <summary>The process was asked to stop (Ctrl+C, SIGTERM); the stage will resume from its checkpoint.</summary>
    Interrupted,

    /// <summary>The stage stopped on an error.</summary>
    Failed,
}
