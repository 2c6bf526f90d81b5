using System.Buffers;
using System.Globalization;
using System.Text;

namespace Jaqmc.Sinks.Csv;

/// <summary>The CSV dialect: RFC 4180 quoting, '\n' row ends, invariant shortest round-trip doubles that always read as floats.</summary>
internal static class CsvFormat
{
    public const char Separator = ',';
    public const string StepColumn = "step";

    /// <summary>Room for the UTF-8 text of a double in "R" format (the longest, "-1.2345678901234567E-308", is 24 bytes).</summary>
    public const int MaxDoubleBytes = 32;

    /// <summary>What makes a finite number's text a float to pandas: a point or an exponent.</summary>
    private static readonly SearchValues<byte> FloatMarks = SearchValues.Create(".Ee"u8);

    /// <summary>Appends <paramref name="field"/>, quoted when it holds a separator, a quote, CR or LF, or edge spaces.</summary>
    public static void AppendField(StringBuilder sb, string field)
    {
        var needsQuotes = field.AsSpan().IndexOfAny(",\"\r\n") >= 0
                          || (field.Length > 0 && (char.IsWhiteSpace(field[0]) || char.IsWhiteSpace(field[^1])));
        if (!needsQuotes)
        {
            sb.Append(field);
            return;
        }

        sb.Append('"').Append(field.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
    }

    public static string Header(IReadOnlyList<string> columns)
    {
        var sb = new StringBuilder(CsvFormat.StepColumn);
        foreach (var column in columns)
        {
            sb.Append(Separator);
            AppendField(sb, column);
        }

        return sb.Append('\n').ToString();
    }

    /// <summary>
    /// Formats a double as UTF-8 so that it round-trips exactly and pandas reads it as a float: .NET's invariant
    /// shortest round-trip ("R") text, with ".0" added when that text looks like an integer (2 becomes 2.0, -0 becomes
    /// -0.0), so a column of whole numbers loads as float64 rather than int64. Large and small magnitudes keep their
    /// exponent (1E+16, 5E-324); non-finite values are spelled NaN, Infinity and -Infinity.
    /// </summary>
    public static int FormatDouble(double value, Span<byte> destination)
    {
        if (!value.TryFormat(destination, out var written, "R", CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException($"Could not format {value} in {destination.Length} bytes.");
        }

        if (double.IsFinite(value) && destination[..written].IndexOfAny(FloatMarks) < 0)
        {
            if (destination.Length < written + 2)
            {
                throw new InvalidOperationException($"Could not format {value} in {destination.Length} bytes.");
            }

            destination[written++] = (byte)'.';
            destination[written++] = (byte)'0';
        }

        return written;
    }

    public static bool TryParseDouble(ReadOnlySpan<char> text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);

    /// <summary>
    /// Parses one data row (without its <c>\n</c>; a trailing <c>\r</c> is allowed): the step, then exactly
    /// <paramref name="valueColumns"/> cells, each empty (the key had no value in that row: NaN) or an invariant double.
    /// The writer, the resume scanner and the reader all go through this one definition of a well-formed row.
    /// </summary>
    /// <param name="row">The row's bytes.</param>
    /// <param name="valueColumns">The number of columns after <c>step</c>.</param>
    /// <param name="values">Receives the cells when not empty; must hold <paramref name="valueColumns"/> values.</param>
    /// <param name="step">The row's step.</param>
    /// <returns>Whether the row is well formed.</returns>
    public static bool TryParseRow(ReadOnlySpan<byte> row, int valueColumns, Span<double> values, out long step)
    {
        step = 0;
        if (row.IsEmpty || row.Count((byte)Separator) != valueColumns)
        {
            return false;
        }

        Span<char> chars = row.Length <= 4096 ? stackalloc char[row.Length] : new char[row.Length];
        for (var i = 0; i < row.Length; i++)
        {
            // Data rows are ASCII: numbers, separators and a step. Anything else is not ours.
            if (row[i] > 127)
            {
                return false;
            }

            chars[i] = (char)row[i];
        }

        chars = chars.TrimEnd('\r');
        var column = -1;
        foreach (var range in chars.Split(Separator))
        {
            var field = chars[range];
            if (column < 0)
            {
                if (!long.TryParse(field, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out step))
                {
                    return false;
                }
            }
            else if (field.IsEmpty)
            {
                if (!values.IsEmpty)
                {
                    values[column] = double.NaN;
                }
            }
            else if (!TryParseDouble(field, out var value))
            {
                return false;
            }
            else if (!values.IsEmpty)
            {
                values[column] = value;
            }

            column++;
        }

        return true;
    }

    /// <summary>
    /// Parses the header record (which may contain quoted separators and newlines) from the start of the file.
    /// </summary>
    /// <returns>The column names and the byte length of the header including its row end, or null if the
    /// header is incomplete (a torn write).</returns>
    public static (List<string> Columns, int Length)? ParseHeader(ReadOnlySpan<byte> bytes)
    {
        var columns = new List<string>();
        var field = new List<byte>();
        var i = 0;
        var inQuotes = false;
        while (i < bytes.Length)
        {
            var b = bytes[i];
            if (inQuotes)
            {
                if (b == (byte)'"')
                {
                    if (i + 1 < bytes.Length && bytes[i + 1] == (byte)'"')
                    {
                        field.Add((byte)'"');
                        i += 2;
                        continue;
                    }

                    inQuotes = false;
                }
                else
                {
                    field.Add(b);
                }
            }
            else if (b == (byte)'"')
            {
                inQuotes = true;
            }
            else if (b == (byte)Separator)
            {
                columns.Add(Encoding.UTF8.GetString(field.ToArray()));
                field.Clear();
            }
            else if (b == (byte)'\n')
            {
                columns.Add(Encoding.UTF8.GetString(field.ToArray()).TrimEnd('\r'));
                return (columns, i + 1);
            }
            else
            {
                field.Add(b);
            }

            i++;
        }

        return null;
    }
}
