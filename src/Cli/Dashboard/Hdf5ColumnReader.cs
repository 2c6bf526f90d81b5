using Jaqmc.Sinks.Hdf5;

namespace Jaqmc.Cli.Dashboard;

/// <summary>
/// Reads a <c>{stage}_stats.h5</c> by columns and by new rows, as <see cref="CsvColumnScanner"/> reads a CSV file: the
/// first call reads the steps and the columns asked for, later ones only the rows written since (a file whose size
/// and time are unchanged is not opened), and a key asked for the first time only its own column. A file whose last
/// row read changed, or that has fewer rows (a resume cut it back and wrote again), is read again from its start.
/// Not thread-safe: <see cref="StageColumnsCache"/> serialises it.
/// </summary>
internal sealed class Hdf5ColumnReader(string path)
{
    private readonly Dictionary<string, double[]> _columns = new(StringComparer.Ordinal);
    private long[] _steps = [];
    private int _count;
    private IReadOnlyList<string> _keys = [];
    private (long Length, DateTime Written) _version;
    private StageColumns? _view;

    /// <summary>The stage with at least <paramref name="keys"/> read (those it has), up to the file's last complete row.</summary>
    /// <exception cref="CliException">The file cannot be read (named as <see cref="LocalRun.ReadHdf5"/> names it).</exception>
    public StageColumns Read(IReadOnlyCollection<string> keys)
    {
        try
        {
            return ReadColumns(keys);
        }
        catch (Exception e) when (LocalRun.IsHdf5ReadFailure(e))
        {
            throw LocalRun.Hdf5ReadError(path, e);
        }
    }

    private StageColumns ReadColumns(IReadOnlyCollection<string> keys)
    {
        var info = new FileInfo(path);
        var version = (info.Length, info.LastWriteTimeUtc);
        var missing = keys.Where(k => !_columns.ContainsKey(k)).ToList();
        if (_view is not null && version == _version && !missing.Any(_keys.Contains))
        {
            return _view;
        }

        if (_count == 0 || (version != _version && !AppendNewRows()))
        {
            Reset([.. _columns.Keys.Union(keys)]);
        }
        else
        {
            AddColumns([.. missing.Where(_keys.Contains)]);
        }

        _version = version;
        return _view ??= StageColumns.View(_keys, _steps, _columns, _count);
    }

    /// <summary>Appends the rows after the last one read; false when that row is gone or changed (read afresh).</summary>
    private bool AppendNewRows()
    {
        var last = _count - 1;
        var tail = Hdf5StatsReader.ReadColumns(path, _columns.Keys, last);
        // A key read before and gone now is another file (a fresh run in a reused directory): read afresh too.
        if (tail.Steps.Length == 0 || tail.Steps[0] != _steps[last]
            || _columns.Any(c => !tail.Columns.TryGetValue(c.Key, out var now) || BitConverter.DoubleToInt64Bits(now[0]) != BitConverter.DoubleToInt64Bits(c.Value[last])))
        {
            return false;
        }

        _keys = tail.Keys;
        var added = tail.Steps.Length - 1;
        if (added == 0)
        {
            return true;
        }

        // Appended past the views handed out (they end at their count), or copied to larger arrays.
        var capacity = _steps.Length;
        if (_count + added > capacity)
        {
            capacity = Math.Max(_count + added, capacity * 2);
            Array.Resize(ref _steps, capacity);
            foreach (var key in _columns.Keys.ToList())
            {
                var grown = _columns[key];
                Array.Resize(ref grown, capacity);
                _columns[key] = grown;
            }
        }

        tail.Steps.AsSpan(1).CopyTo(_steps.AsSpan(_count));
        foreach (var (key, values) in _columns)
        {
            tail.Columns[key].AsSpan(1).CopyTo(values.AsSpan(_count));
        }

        _count += added;
        _view = null;
        return true;
    }

    /// <summary>Reads <paramref name="keys"/>' values of the rows already read; the whole file again if those rows changed.</summary>
    private void AddColumns(IReadOnlyList<string> keys)
    {
        if (keys.Count == 0)
        {
            return;
        }

        var slice = Hdf5StatsReader.ReadColumns(path, keys, 0);
        if (slice.Steps.Length < _count || slice.Steps[_count - 1] != _steps[_count - 1])
        {
            Reset([.. _columns.Keys.Union(keys)]);
            return;
        }

        foreach (var key in keys)
        {
            var values = new double[_steps.Length];
            slice.Columns[key].AsSpan(0, _count).CopyTo(values);
            _columns[key] = values;
        }

        _view = null;
    }

    private void Reset(IReadOnlyCollection<string> keys)
    {
        // New arrays, not the old ones rewritten: views handed out before the file was cut back still read them.
        var slice = Hdf5StatsReader.ReadColumns(path, keys, 0);
        _keys = slice.Keys;
        _steps = slice.Steps;
        _count = slice.Steps.Length;
        _columns.Clear();
        foreach (var (key, values) in slice.Columns)
        {
            _columns[key] = values;
        }

        _view = null;
    }
}
