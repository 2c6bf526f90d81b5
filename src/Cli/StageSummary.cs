namespace Jaqmc.Cli;

/// <summary>A stage of a <see cref="RunSummary"/>.</summary>
/// <param name="Name">The stage.</param>
/// <param name="Status">How it ended, when known.</param>
/// <param name="LastStep">The last step with statistics.</param>
/// <param name="LastEnergy">The last <c>total_energy</c>.</param>
/// <param name="Checkpoints">The steps of its checkpoints.</param>
internal sealed record StageSummary(string Name, string? Status, long? LastStep, double? LastEnergy, List<long> Checkpoints);
