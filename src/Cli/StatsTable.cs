namespace Jaqmc.Cli;

/// <summary>One stage's statistics, read back from any sink: the steps in order and one column per key.</summary>
/// <param name="Stage">The stage.</param>
/// <param name="Steps">The step of each row, ascending.</param>
/// <param name="Columns">Per key, one value per row (NaN where the key was absent).</param>
internal sealed record StatsTable(string Stage, long[] Steps, IReadOnlyDictionary<string, double[]> Columns)
{
    /// <summary>The number of rows.</summary>
    public int Count => Steps.Length;

    /// <summary>The keys in ordinal order (the CSV writer's order).</summary>
    public IEnumerable<string> Keys => Columns.Keys.Order(StringComparer.Ordinal);

    /// <summary>The values of <paramref name="key"/>, or a readable error naming the keys there are.</summary>
    public double[] Column(string key) =>
        Columns.TryGetValue(key, out var values)
            ? values
            : throw new CliException($"stage '{Stage}' has no key '{key}' (keys: {string.Join(", ", Keys)})");

    /// <summary>The last finite value of <paramref name="key"/> and its step, if any.</summary>
    public (long Step, double Value)? Last(string key)
    {
        if (!Columns.TryGetValue(key, out var values))
        {
            return null;
        }

        for (var i = values.Length - 1; i >= 0; i--)
        {
            if (!double.IsNaN(values[i]))
            {
                return (Steps[i], values[i]);
            }
        }

        return null;
    }
}
