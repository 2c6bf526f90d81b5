using System.Globalization;
using System.Text;

namespace Jaqmc.Cli;

/// <summary>
/// Reads a <c>{stage}_stats.csv</c> written by the CSV writer: header <c>step</c> + keys (RFC 4180 quoting),
/// invariant doubles including <c>NaN</c>/<c>Infinity</c>, empty cells for keys a row lacks. A torn last line
/// (a run still writing, or killed) is ignored.
/// </summary>
internal static class CsvStatsReader
{
    public static async Task<StatsTable> ReadAsync(string path, string stage, CancellationToken cancellationToken)
    {
        string text;
        try
        {
            text = await File.ReadAllTextAsync(path, Encoding.UTF8, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot read {path}: {e.Message}", e);
        }

        var lines = text.Split('\n');
        if (lines.Length == 0 || lines[0].Length == 0)
        {
            throw new CliException($"{path} is empty");
        }

        var header = SplitRecord(lines[0]);
        if (header.Count == 0 || header[0] != "step")
        {
            throw new CliException($"{path} is not a jaqmc stats file (its header does not start with 'step')");
        }

        var steps = new List<long>();
        var columns = header.Skip(1).Select(_ => new List<double>()).ToArray();

        // The last element is empty for a complete file ("...\n"); anything else there is a torn row.
        for (var l = 1; l < lines.Length - 1; l++)
        {
            var cells = SplitRecord(lines[l]);
            if (cells.Count != header.Count || !long.TryParse(cells[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var step))
            {
                continue;
            }

            steps.Add(step);
            for (var c = 1; c < cells.Count; c++)
            {
                columns[c - 1].Add(cells[c].Length == 0 ? double.NaN : double.Parse(cells[c], NumberStyles.Float, CultureInfo.InvariantCulture));
            }
        }

        var byKey = new Dictionary<string, double[]>(StringComparer.Ordinal);
        for (var c = 1; c < header.Count; c++)
        {
            byKey[header[c]] = [.. columns[c - 1]];
        }

        return new StatsTable(stage, [.. steps], byKey);
    }

    private static List<string> SplitRecord(string line)
    {
        var cells = new List<string>();
        var cell = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var ch = line[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    cell.Append('"');
                    i++;
                }
                else if (ch == '"')
                {
                    quoted = false;
                }
                else
                {
                    cell.Append(ch);
                }
            }
            else if (ch == '"')
            {
                quoted = true;
            }
            else if (ch == ',')
            {
                cells.Add(cell.ToString());
                cell.Clear();
            }
            else if (ch != '\r')
            {
                cell.Append(ch);
            }
        }

        cells.Add(cell.ToString());
        return cells;
    }
}
