using System.Text;

namespace Jaqmc.Sinks.Csv;

/// <summary>
/// Reads an existing stats CSV to decide where a resumed stage continues: after the last whole, well-formed row
/// whose step is below the initial step.
/// </summary>
internal static class CsvResumeScanner
{
    internal sealed class Result
    {
        public List<string>? Columns { get; init; }

        public string? ForeignReason { get; init; }

        public long KeepLength { get; set; }

        public int KeptRows { get; set; }

        public int DiscardedRows { get; set; }

        public bool TornTail { get; set; }

        public long LastKeptStep { get; set; } = long.MinValue;

        /// <summary>1-based line numbers of malformed rows before the cut.</summary>
        public List<int> BadLines { get; } = [];
    }

    public static Result Scan(string path, long initialStep)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length == 0)
        {
            return new Result { Columns = [], KeepLength = 0 };
        }

        var header = CsvFormat.ParseHeader(bytes);
        if (header is null)
        {
            // Only a torn header: nothing was ever written after it.
            return new Result { Columns = null, ForeignReason = "its header line is incomplete" };
        }

        var (columns, headerLength) = header.Value;
        if (columns.Count == 0 || columns[0] != CsvFormat.StepColumn)
        {
            return new Result { ForeignReason = $"its first column is '{Truncate(columns.FirstOrDefault())}', not '{CsvFormat.StepColumn}'" };
        }

        columns.RemoveAt(0);
        var result = new Result { Columns = columns, KeepLength = headerLength };
        var line = 1 + bytes.AsSpan(0, headerLength).Count((byte)'\n');
        var offset = headerLength;
        var cut = false;
        while (offset < bytes.Length)
        {
            var rest = bytes.AsSpan(offset);
            var end = rest.IndexOf((byte)'\n');
            if (end < 0)
            {
                result.TornTail = true;
                break;
            }

            var row = rest[..end];
            if (!cut)
            {
                if (TryParseStep(row, columns.Count, out var step))
                {
                    if (step >= initialStep)
                    {
                        cut = true;
                        result.DiscardedRows++;
                    }
                    else
                    {
                        result.KeptRows++;
                        result.LastKeptStep = step;
                        result.KeepLength = offset + end + 1;
                    }
                }
                else if (!row.IsEmpty)
                {
                    result.BadLines.Add(line);
                }
            }
            else
            {
                result.DiscardedRows++;
            }

            offset += end + 1;
            line++;
        }

        return result;
    }

    /// <summary>Rewrites the file keeping the header and only well-formed rows (through a temp file).</summary>
    public static void RewriteValidRows(string path, Result scan)
    {
        var columns = scan.Columns!;
        Rewrite(path, columns, columns, keepRow: row => TryParseStep(row, columns.Count, out _));
    }

    /// <summary>Rewrites the file with a wider header, moving each cell to its new column (through a temp file).</summary>
    public static void RewriteWithColumns(string path, IReadOnlyList<string> oldColumns, IReadOnlyList<string> newColumns) =>
        Rewrite(path, oldColumns, newColumns, keepRow: _ => true);

    private static void Rewrite(string path, IReadOnlyList<string> oldColumns, IReadOnlyList<string> newColumns, Func<byte[], bool> keepRow)
    {
        var bytes = File.ReadAllBytes(path);
        var header = CsvFormat.ParseHeader(bytes) ?? throw new InvalidDataException($"{path}: header is incomplete.");
        var map = new int[oldColumns.Count];
        var newIndex = newColumns.Select((c, i) => (c, i)).ToDictionary(t => t.c, t => t.i, StringComparer.Ordinal);
        for (var i = 0; i < oldColumns.Count; i++)
        {
            map[i] = newIndex[oldColumns[i]];
        }

        var temp = path + ".tmp";
        using (var output = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            output.Write(Encoding.UTF8.GetBytes(CsvFormat.Header(newColumns.ToList())));
            var offset = header.Length;
            var cells = new string[newColumns.Count];
            while (offset < bytes.Length)
            {
                var end = Array.IndexOf(bytes, (byte)'\n', offset);
                if (end < 0)
                {
                    break;
                }

                var row = bytes[offset..end];
                offset = end + 1;
                if (row.Length == 0 || !keepRow(row))
                {
                    continue;
                }

                var fields = Encoding.ASCII.GetString(row).Split(CsvFormat.Separator);
                Array.Fill(cells, string.Empty);
                for (var i = 1; i < fields.Length && i - 1 < map.Length; i++)
                {
                    cells[map[i - 1]] = fields[i];
                }

                output.Write(Encoding.ASCII.GetBytes(fields[0] + (cells.Length > 0 ? "," + string.Join(',', cells) : string.Empty) + "\n"));
            }

        }

        FileDurability.ReplaceDurably(temp, path);
    }

    private static bool TryParseStep(ReadOnlySpan<byte> row, int columnCount, out long step) =>
        CsvFormat.TryParseRow(row, columnCount, [], out step);

    private static string Truncate(string? s) => s is null ? string.Empty : s.Length > 40 ? s[..40] + "…" : s;
}
