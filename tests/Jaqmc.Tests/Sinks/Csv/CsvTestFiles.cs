using System.Globalization;
using nietras.SeparatedValues;

namespace Jaqmc.Tests.Sinks.Csv;

/// <summary>Reads stats CSV files with an independent parser (Sep), as a user's tool would.</summary>
internal static class CsvTestFiles
{
    public static IReadOnlyList<WrittenRow> Read(string path)
    {
        using var reader = Sep.New(',').Reader(o => o with { Unescape = true, CultureInfo = CultureInfo.InvariantCulture }).FromFile(path);
        var names = reader.Header.ColNames;
        Assert.Equal("step", names[0]);
        var rows = new List<WrittenRow>();
        foreach (var row in reader)
        {
            var values = new Dictionary<string, double>(StringComparer.Ordinal);
            for (var i = 1; i < names.Count; i++)
            {
                var text = row[i].Span;
                if (!text.IsEmpty)
                {
                    values[names[i]] = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
                }
            }

            rows.Add(new WrittenRow(long.Parse(row[0].Span, CultureInfo.InvariantCulture), values));
        }

        return rows;
    }
}
