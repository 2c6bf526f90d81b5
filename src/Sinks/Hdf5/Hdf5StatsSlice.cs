namespace Jaqmc.Sinks.Hdf5;

/// <summary>
/// Some columns of a statistics file, from a row on (<see cref="Hdf5StatsReader.ReadColumns"/>): what a viewer that
/// follows a growing file reads after its first look.
/// </summary>
/// <param name="Keys">Every key the file holds, in the file's order (not only those read).</param>
/// <param name="FirstRow">The row <paramref name="Steps"/> starts at.</param>
/// <param name="Steps">The step of each row read.</param>
/// <param name="Columns">The values of each key asked for that the file holds, as long as <paramref name="Steps"/>.</param>
/// <param name="Stage">The stage recorded in the file, or null.</param>
public sealed record Hdf5StatsSlice(IReadOnlyList<string> Keys, long FirstRow, long[] Steps, IReadOnlyDictionary<string, double[]> Columns, string? Stage);
