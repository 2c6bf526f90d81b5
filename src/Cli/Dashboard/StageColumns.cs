namespace Jaqmc.Cli.Dashboard;

/// <summary>
/// A stage's statistics as far as the dashboard has read them: its keys, its steps, and the columns asked for so
/// far. An immutable view: the cache appends past it or starts new arrays, never changes what it shows.
/// </summary>
/// <param name="Keys">Every key of the stage, in file order.</param>
/// <param name="Steps">The step of each row, ascending.</param>
/// <param name="Columns">The columns read so far, one value per row (NaN where the key had none).</param>
internal sealed record StageColumns(IReadOnlyList<string> Keys, ReadOnlyMemory<long> Steps, IReadOnlyDictionary<string, ReadOnlyMemory<double>> Columns)
{
    /// <summary>The number of rows.</summary>
    public int Count => Steps.Length;

    /// <summary>
    /// What <see cref="LocalRun.SummariseAsync"/> reads of a stage (its last step and last finite
    /// <c>total_energy</c>), as a table of at most two rows, so a summary needs no copy of a long run's columns.
    /// </summary>
    public StatsTable Summary(string stage)
    {
        if (Count == 0)
        {
            return new StatsTable(stage, [], new Dictionary<string, double[]>(StringComparer.Ordinal));
        }

        var steps = Steps.Span;
        var columns = new Dictionary<string, double[]>(StringComparer.Ordinal);
        if (!Columns.TryGetValue("total_energy", out var energies))
        {
            return new StatsTable(stage, [steps[^1]], columns);
        }

        var values = energies.Span;
        var i = values.Length - 1;
        while (i >= 0 && double.IsNaN(values[i]))
        {
            i--;
        }

        if (i < 0 || i == values.Length - 1)
        {
            columns["total_energy"] = [i < 0 ? double.NaN : values[i]];
            return new StatsTable(stage, [steps[^1]], columns);
        }

        columns["total_energy"] = [values[i], double.NaN];
        return new StatsTable(stage, [steps[i], steps[^1]], columns);
    }

    /// <summary>
    /// The view of the first <paramref name="count"/> rows of a column reader's arrays. The readers only append past
    /// a count they handed out, or start new arrays, so the view never changes under its holder.
    /// </summary>
    public static StageColumns View(IReadOnlyList<string> keys, long[] steps, IReadOnlyDictionary<string, double[]> columns, int count) =>
        new(keys, steps.AsMemory(0, count), columns.ToDictionary(c => c.Key, c => (ReadOnlyMemory<double>)c.Value.AsMemory(0, count), StringComparer.Ordinal));

    /// <summary>The view of a table read whole (an HDF5 file, a CSV header the scanner leaves to the full reader).</summary>
    public static StageColumns Of(StatsTable table) =>
        new([.. table.Keys], table.Steps, table.Columns.ToDictionary(c => c.Key, c => (ReadOnlyMemory<double>)c.Value, StringComparer.Ordinal));
}
