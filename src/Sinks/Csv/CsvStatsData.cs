namespace Jaqmc.Sinks.Csv;

/// <summary>The rows of a statistics CSV file: the steps and, per key, one value per step (NaN where empty).</summary>
/// <param name="Steps">The step of each row, in file order.</param>
/// <param name="Columns">The values of each key, as long as <paramref name="Steps"/>, in the header's order.</param>
public sealed record CsvStatsData(long[] Steps, IReadOnlyDictionary<string, double[]> Columns);
