namespace Jaqmc.Sinks.Hdf5;

/// <summary>
/// Rows not yet written to the file, held column by column so each column reaches HDF5 in one contiguous write.
/// Column order matches the file's datasets: existing columns first, new keys appended as they appear.
/// </summary>
internal sealed class Hdf5RowBuffer
{
    private readonly List<string> _keys = [];
    private readonly List<double[]> _columns = [];
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private long[] _steps;

    // Records reuse one StatsKeys instance per stage, so the key-to-column map of the last instance seen is cached
    // by reference and the per-record work is a few array stores.
    private StatsKeys? _lastKeys;
    private int[] _lastMap = [];

    public Hdf5RowBuffer(int initialCapacity)
    {
        _steps = new long[Math.Max(16, initialCapacity)];
    }

    /// <summary>Buffered rows.</summary>
    public int Count { get; private set; }

    /// <summary>Columns known so far (in the file or only in this buffer).</summary>
    public int ColumnCount => _keys.Count;

    /// <summary>The key of column <paramref name="column"/>.</summary>
    public string Key(int column) => _keys[column];

    /// <summary>The buffered values of a column.</summary>
    public ReadOnlySpan<double> Column(int column) => _columns[column].AsSpan(0, Count);

    /// <summary>The buffered steps.</summary>
    public ReadOnlySpan<long> Steps => _steps.AsSpan(0, Count);

    /// <summary>The last buffered step, or null when the buffer is empty.</summary>
    public long? LastStep => Count == 0 ? null : _steps[Count - 1];

    /// <summary>Registers a column that already exists in the file (on resume), before any row is buffered.</summary>
    public void AddExistingColumn(string key) => AddColumn(key);

    /// <summary>Appends records; keys not seen before become new columns, absent keys get NaN.</summary>
    public void Append(IReadOnlyList<StatsRecord> batch)
    {
        EnsureCapacity(Count + batch.Count);
        for (var r = 0; r < batch.Count; r++)
        {
            var record = batch[r];
            var map = MapOf(record.Keys);
            var row = Count;
            if (map.Length != _columns.Count)
            {
                // Some column is absent from this record: it reads as NaN in this row.
                foreach (var column in _columns)
                {
                    column[row] = Hdf5Layout.MissingValue;
                }
            }

            var values = record.Values;
            for (var i = 0; i < map.Length; i++)
            {
                _columns[map[i]][row] = values[i];
            }

            _steps[row] = record.Step;
            Count = row + 1;
        }
    }

    /// <summary>Drops rows from <paramref name="count"/> on (undoing a failed batch); columns stay.</summary>
    public void Truncate(int count) => Count = Math.Min(Count, count);

    /// <summary>Empties the buffer after its rows reached the file.</summary>
    public void Clear() => Count = 0;

    private int[] MapOf(StatsKeys keys)
    {
        if (ReferenceEquals(keys, _lastKeys))
        {
            return _lastMap;
        }

        var map = new int[keys.Count];
        for (var i = 0; i < map.Length; i++)
        {
            map[i] = _index.TryGetValue(keys[i], out var column) ? column : AddColumn(keys[i]);
        }

        _lastKeys = keys;
        _lastMap = map;
        return map;
    }

    private int AddColumn(string key)
    {
        var column = new double[_steps.Length];

        // Rows buffered before the key appeared have no value for it.
        column.AsSpan(0, Count).Fill(Hdf5Layout.MissingValue);
        _keys.Add(key);
        _columns.Add(column);
        _index.Add(key, _keys.Count - 1);
        return _keys.Count - 1;
    }

    private void EnsureCapacity(int rows)
    {
        if (rows <= _steps.Length)
        {
            return;
        }

        var capacity = Math.Max(rows, _steps.Length * 2);
        Array.Resize(ref _steps, capacity);
        for (var i = 0; i < _columns.Count; i++)
        {
            var column = _columns[i];
            Array.Resize(ref column, capacity);
            _columns[i] = column;
        }
    }
}
