namespace Jaqmc.Cli;

/// <summary>
/// One key of a stage as buckets of consecutive steps (from PostgreSQL's <c>curve()</c>), or one value per bucket
/// (from a file): each bucket's first step, mean, min and max.
/// </summary>
/// <param name="Key">The key.</param>
/// <param name="Steps">Each bucket's first step, ascending.</param>
/// <param name="Mean">Each bucket's mean.</param>
/// <param name="Min">Each bucket's smallest value.</param>
/// <param name="Max">Each bucket's largest value.</param>
/// <param name="StepsPerBucket">The widest bucket's steps (1 when every value is its own bucket).</param>
internal sealed record StageCurve(string Key, long[] Steps, double[] Mean, double[] Min, double[] Max, long StepsPerBucket)
{
    /// <summary>One bucket per value of <paramref name="key"/> in <paramref name="table"/> at or after <paramref name="fromStep"/>.</summary>
    public static StageCurve FromTable(StatsTable table, string key, long fromStep)
    {
        var values = table.Column(key);
        var rows = Enumerable.Range(0, table.Count).Where(i => table.Steps[i] >= fromStep).ToArray();
        var ys = rows.Select(i => values[i]).ToArray();
        return new StageCurve(key, [.. rows.Select(i => table.Steps[i])], ys, ys, ys, 1);
    }
}
