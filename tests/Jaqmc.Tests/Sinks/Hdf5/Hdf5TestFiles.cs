using Jaqmc.Sinks.Hdf5;

namespace Jaqmc.Tests.Sinks.Hdf5;

/// <summary>Turns what <see cref="Hdf5StatsReader"/> reads into the contract suite's rows.</summary>
internal static class Hdf5TestFiles
{
    /// <summary>Every row with every column (a column store has no "absent": missing values read as NaN).</summary>
    public static IReadOnlyList<WrittenRow> ReadRows(string path)
    {
        var data = Hdf5StatsReader.Read(path);
        var rows = new List<WrittenRow>(data.Steps.Length);
        for (var i = 0; i < data.Steps.Length; i++)
        {
            var values = new Dictionary<string, double>(data.Columns.Count, StringComparer.Ordinal);
            foreach (var (key, column) in data.Columns)
            {
                values[key] = column[i];
            }

            rows.Add(new WrittenRow(data.Steps[i], values));
        }

        return rows;
    }
}
