using Jaqmc.Training;

namespace Jaqmc.Cli;

/// <summary>One frame of the live display.</summary>
/// <param name="Latest">The latest report.</param>
/// <param name="StepsPerSecond">The recent rate, when known.</param>
/// <param name="Eta">The time left in the stage at that rate, when known.</param>
/// <param name="MeanEnergy">The mean of the recent reported energies.</param>
/// <param name="EnergyError">Its standard error (NaN for fewer than two).</param>
/// <param name="EnergyCount">How many recent energies the mean covers.</param>
internal sealed record ProgressSnapshot(
    TrainingProgress Latest,
    double? StepsPerSecond,
    TimeSpan? Eta,
    double MeanEnergy,
    double EnergyError,
    int EnergyCount);
