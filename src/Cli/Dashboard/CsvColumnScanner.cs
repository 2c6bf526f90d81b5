using System.Buffers.Text;
using System.Globalization;

namespace Jaqmc.Cli.Dashboard;

/// <summary>
/// Reads a <c>{stage}_stats.csv</c> by columns and by new bytes: each call parses only the lines after the last one
/// it read, and only the step and the columns asked for (the other fields are skipped, not parsed), so the first
/// view of one key of a 1 M-step file scans it once and a live run's next view reads only what was appended. A
/// line counts as a row when it is complete (ends in <c>\n</c>), has the header's number of fields and an integer
/// step, the rule of the CSV writer's reader; a cell that is not a number reads as NaN. A file that got shorter or
/// whose last line read changed (a resume cut it back and wrote again) is read again from its start.
/// Not thread-safe: <see cref="StageColumnsCache"/> serialises it.
/// </summary>
internal sealed class CsvColumnScanner
{
    private const int Chunk = 1 << 20;

    private readonly string _path;
    private readonly Dictionary<string, int> _fieldOf = new(StringComparer.Ordinal);
    private readonly Dictionary<string, double[]> _columns = new(StringComparer.Ordinal);
    private long[] _steps = new long[1024];
    private int _count;
    private long _headerEnd;
    private long _end;
    private byte[] _lastLine = [];
    private string[] _keys = [];
    private StageColumns? _view;

    public CsvColumnScanner(string path) => _path = path;

    /// <summary>Whether the header is one the scanner reads (no quoted names); otherwise read the file whole.</summary>
    public bool Supported { get; private set; } = true;

    /// <summary>The stage with at least <paramref name="keys"/> read (those it has), up to the file's last complete line.</summary>
    public StageColumns Read(IReadOnlyCollection<string> keys)
    {
        using var file = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.None);
        var length = file.Length;
        if (!Supported)
        {
            if (length != _end || _view is null)
            {
                Reset(file);
            }

            if (!Supported)
            {
                return _view!;
            }
        }
        else if (_end == 0 || length < _end || !StillEndsWithLastLine(file))
        {
            Reset(file);
            if (!Supported)
            {
                return _view!;
            }
        }

        var missing = keys.Where(k => _fieldOf.ContainsKey(k) && !_columns.ContainsKey(k)).ToList();
        if (missing.Count > 0 && _count > 0)
        {
            // A key asked for the first time: its values of the rows already read, in one pass over those bytes.
            var added = missing.ToDictionary(k => k, _ => new double[_steps.Length], StringComparer.Ordinal);
            Scan(file, _headerEnd, _end, [.. missing.Select(k => (_fieldOf[k], added[k]))], grow: false);
            foreach (var (key, values) in added)
            {
                _columns[key] = values;
            }

            _view = null;
        }
        else
        {
            foreach (var key in missing)
            {
                _columns[key] = new double[_steps.Length];
            }
        }

        if (length > _end)
        {
            var before = _count;
            _end = Scan(file, _end, length, [.. _columns.Select(c => (_fieldOf[c.Key], c.Value))], grow: true);
            _view = _count == before ? _view : null;
        }

        return _view ??= StageColumns.View(_keys, _steps, _columns, _count);
    }

    private void Reset(FileStream file)
    {
        (_count, _end, _lastLine, _view, Supported) = (0, 0, [], null, true);
        // New arrays, not the old ones rewritten: views handed out before the file was cut back still read them.
        _steps = new long[1024];
        _columns.Clear();
        _fieldOf.Clear();
        var head = new byte[Math.Min(file.Length, 64 * 1024)];
        file.Position = 0;
        file.ReadExactly(head);
        var newline = Array.IndexOf(head, (byte)'\n');
        var header = newline < 0 ? null : System.Text.Encoding.UTF8.GetString(head, 0, newline).TrimEnd('\r').TrimStart('\uFEFF');
        if (header is null || header.Contains('"', StringComparison.Ordinal) || !header.StartsWith("step,", StringComparison.Ordinal))
        {
            // Torn, quoted or foreign: the writer's own reader says what is wrong, or reads it whole.
            Supported = false;
            _view = StageColumns.Of(CsvStatsReader.ReadAsync(_path, Path.GetFileName(_path), CancellationToken.None).GetAwaiter().GetResult());
            _end = file.Length; // only once read: a file that could not be read is tried again at the next call
            return;
        }

        _keys = header.Split(',')[1..];
        for (var i = 0; i < _keys.Length; i++)
        {
            _fieldOf[_keys[i]] = i + 1;
        }

        _headerEnd = newline + 1;
        _end = _headerEnd;
    }

    private bool StillEndsWithLastLine(FileStream file)
    {
        if (_lastLine.Length == 0)
        {
            return true;
        }

        var now = new byte[_lastLine.Length];
        file.Position = _end - _lastLine.Length;
        file.ReadExactly(now);
        return now.AsSpan().SequenceEqual(_lastLine);
    }

    // Parses the complete lines in [from, to): with grow, appends rows (steps and columns); without, fills the
    // columns at the rows already counted (row 0 at from). Returns the end of the last complete line.
    private long Scan(FileStream file, long from, long to, (int Field, double[] Values)[] columns, bool grow)
    {
        var fields = _keys.Length + 1;
        var buffer = new byte[(int)Math.Min(Chunk, Math.Max(to - from, 1)) + 4096];
        var (carry, position, row, end, lastStart) = (0, from, grow ? _count : 0, from, -1L);
        file.Position = from;
        while (position < to)
        {
            var read = file.Read(buffer, carry, (int)Math.Min(buffer.Length - carry, to - position));
            if (read == 0)
            {
                break;
            }

            position += read;
            var data = buffer.AsSpan(0, carry + read);
            var dataStart = position - data.Length; // the file offset of data[0]
            var start = 0;
            while (data[start..].IndexOf((byte)'\n') is var n and >= 0)
            {
                var line = data.Slice(start, n);
                if (line.Length > 0 && line[^1] == (byte)'\r')
                {
                    line = line[..^1];
                }

                if (line.Count((byte)',') == fields - 1 && Utf8Parser.TryParse(line, out long step, out var consumed) && consumed == line.IndexOf((byte)','))
                {
                    if (grow)
                    {
                        Grow(columns, row);
                        _steps[row] = step;
                    }

                    foreach (var (field, values) in columns)
                    {
                        values[row] = Cell(line, field);
                    }

                    row++;
                }

                lastStart = dataStart + start;
                start += n + 1;
                end = dataStart + start;
            }

            // The partial last line moves to the buffer's front; a line longer than the buffer is no row of ours.
            carry = data.Length - start;
            if (carry >= buffer.Length - 4096)
            {
                carry = 0;
            }
            else
            {
                data[start..].CopyTo(buffer);
            }
        }

        if (grow)
        {
            _count = row;
            if (lastStart >= 0)
            {
                _lastLine = new byte[end - lastStart];
                file.Position = lastStart;
                file.ReadExactly(_lastLine);
            }
        }

        return end;
    }

    private void Grow((int Field, double[] Values)[] columns, int row)
    {
        if (row < _steps.Length)
        {
            return;
        }

        var size = _steps.Length * 2;
        Array.Resize(ref _steps, size);
        for (var c = 0; c < columns.Length; c++)
        {
            Array.Resize(ref columns[c].Values, size);
            _columns[_keys[columns[c].Field - 1]] = columns[c].Values;
        }
    }

    // The value of field number `field` (0 is the step) of a row; empty or not a number: NaN.
    private static double Cell(ReadOnlySpan<byte> line, int field)
    {
        for (var f = 0; f < field; f++)
        {
            line = line[(line.IndexOf((byte)',') + 1)..];
        }

        var comma = line.IndexOf((byte)',');
        var cell = comma < 0 ? line : line[..comma];
        // Utf8Parser is the fast path for plain numbers; NaN and ±Infinity go through the culture-invariant parser.
        return cell.Length == 0 ? double.NaN
            : Utf8Parser.TryParse(cell, out double value, out var consumed) && consumed == cell.Length ? value
            : double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out value) ? value
            : double.NaN;
    }
}
