using Jaqmc.Service;

namespace Jaqmc.Cli.Dashboard;

/// <summary>A row of the dashboard's runs list.</summary>
/// <param name="Id">The run's id in the dashboard: <c>pg:NAME</c> for PostgreSQL, <c>dir:PATH</c> for a run directory (relative to the root).</param>
/// <param name="Name">The run's name (PostgreSQL) or directory (relative to the root).</param>
/// <param name="Source"><c>postgres</c> or <c>dir</c>.</param>
/// <param name="Host">The machine that wrote it (PostgreSQL only).</param>
/// <param name="Status"><c>running</c>, <c>completed</c>, <c>interrupted</c> or <c>failed</c>.</param>
/// <param name="Updated">When it last changed.</param>
/// <param name="Stages">Its stages, in the order they ran.</param>
/// <param name="Energy">The last <c>total_energy</c> of its last stage that has one.</param>
/// <param name="Evaluation">The evaluation energy with its blocking error, when the run has an evaluation stage.</param>
/// <param name="Spooled">What the run directory's PostgreSQL spool holds not yet uploaded; null when nothing (and for PostgreSQL runs).</param>
internal sealed record DashboardRun(
    string Id,
    string Name,
    string Source,
    string? Host,
    string Status,
    DateTimeOffset Updated,
    IReadOnlyList<DashboardStage> Stages,
    double? Energy,
    EvaluationEnergy? Evaluation,
    SpoolBacklog? Spooled = null)
{
    /// <summary>The stage that ran last.</summary>
    public string? Stage => Stages.Count == 0 ? null : Stages[^1].Name;

    /// <summary>The last step of the stage that ran last.</summary>
    public long? Step => Stages.Count == 0 ? null : Stages[^1].LastStep;

    /// <summary>What changes whenever the run writes or its status changes: the live stream compares it.</summary>
    public string Fingerprint =>
        Status + "|" + (Spooled is { } spooled ? FormattableString.Invariant($"{spooled.Records}+{spooled.StageChanges}") : "") + "|" + string.Join(';', Stages.Select(s => FormattableString.Invariant($"{s.Name}:{s.Status}:{s.FirstStep}:{s.LastStep}:{s.Resumes.Count}:{s.Checkpoints.Count}")));
}
