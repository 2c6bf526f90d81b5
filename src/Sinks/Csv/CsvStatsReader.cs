namespace Jaqmc.Sinks.Csv;

/// <summary>
/// Reads a <c>{stage}_stats.csv</c> written by <see cref="CsvStatsWriter"/>, also while a run writes it: the same
/// dialect as the writer and its resume (<see cref="CsvFormat"/>): header <c>step</c> + keys with RFC 4180 quoting,
/// invariant doubles including <c>NaN</c>/<c>Infinity</c>, empty cells for keys a row lacks. A torn last line (a run
/// still writing, or killed) and malformed lines are left out.
/// </summary>
public static class CsvStatsReader
{
    /// <summary>Reads every well-formed row.</summary>
    /// <exception cref="InvalidDataException">The file is empty, its header is torn, or its first column is not <c>step</c>.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static async Task<CsvStatsData> ReadAsync(string path, CancellationToken cancellationToken = default)
    {
        var bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        if (bytes.Length == 0)
        {
            throw new InvalidDataException($"{path} is empty");
        }

        var (header, headerLength) = CsvFormat.ParseHeader(bytes)
            ?? throw new InvalidDataException($"{path} has no complete header line");
        if (header.Count == 0 || header[0] != CsvFormat.StepColumn)
        {
            throw new InvalidDataException($"{path} is not a jaqmc stats file (its header does not start with '{CsvFormat.StepColumn}')");
        }

        var keys = header.Count - 1;
        var steps = new List<long>();
        var columns = Enumerable.Range(0, keys).Select(_ => new List<double>()).ToArray();
        var values = new double[keys];
        var rest = bytes.AsMemory(headerLength);
        while (rest.Span.IndexOf((byte)'\n') is var end and >= 0)
        {
            if (CsvFormat.TryParseRow(rest.Span[..end], keys, values, out var step))
            {
                steps.Add(step);
                for (var c = 0; c < keys; c++)
                {
                    columns[c].Add(values[c]);
                }
            }

            rest = rest[(end + 1)..];
        }

        var byKey = new Dictionary<string, double[]>(StringComparer.Ordinal);
        for (var c = 0; c < keys; c++)
        {
            byKey[header[c + 1]] = [.. columns[c]];
        }

        return new CsvStatsData([.. steps], byKey);
    }
}
