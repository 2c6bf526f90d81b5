namespace Jaqmc.Sinks.Hdf5;

/// <summary>The rows of a statistics file: the steps and, per key, one value per step (NaN where absent).</summary>
/// <param name="Steps">The step of each row.</param>
/// <param name="Columns">The values of each key, as long as <paramref name="Steps"/>.</param>
/// <param name="Stage">The stage recorded in the file, or null.</param>
public sealed record Hdf5StatsData(long[] Steps, IReadOnlyDictionary<string, double[]> Columns, string? Stage);
