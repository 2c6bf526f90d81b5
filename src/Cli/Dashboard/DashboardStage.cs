namespace Jaqmc.Cli.Dashboard;

/// <summary>A stage of a <see cref="DashboardRun"/>, as the runs list and the charts' resume markers need it.</summary>
/// <param name="Name">The stage (<c>train</c>, <c>evaluation</c>, ...).</param>
/// <param name="Status">How it stands (<c>running</c>, <c>completed</c>, <c>interrupted</c>, ...), when known.</param>
/// <param name="FirstStep">Its first step with statistics.</param>
/// <param name="LastStep">Its last step with statistics.</param>
/// <param name="Resumes">The steps at which it was restarted (the <c>initial_step</c> of each resume past its first step).</param>
/// <param name="Checkpoints">The steps of its checkpoints (run directories only).</param>
internal sealed record DashboardStage(string Name, string? Status, long? FirstStep, long? LastStep, IReadOnlyList<long> Resumes, IReadOnlyList<long> Checkpoints);
