using System.Text;
using Microsoft.Extensions.Logging;

namespace Jaqmc.Sinks.Csv;

/// <summary>
/// Writes a stage's statistics to <c>{stage}_stats.csv</c>: a header <c>step</c> + keys in ordinal order, one row
/// per step. Rows are formatted into memory and written at most once per <see cref="WriterOptions.FlushInterval"/>
/// (or per MiB), so the file only ever receives whole rows except when the process dies mid-write; a torn last line
/// is cut off on the next open.
/// </summary>
public sealed class CsvStatsWriter : StatsWriter
{
    private const int WriteThreshold = 1 << 20;

    /// <summary>
    /// A batch at least this long (a writer catching up on a backlog, never a training loop's steady trickle) is
    /// formatted on every core: formatting doubles is nearly all of this writer's cost.
    /// </summary>
    private const int ParallelFrom = 1024;

    private readonly CsvWriterOptions _options;
    private readonly ILogger<CsvStatsWriter> _logger;
    private readonly TimeProvider _time;
    private readonly Dictionary<StatsKeys, int[]> _layouts = new(ReferenceEqualityComparer.Instance);

    private FileStream? _file;
    private string _path = string.Empty;
    private List<string> _columns = [];
    private Dictionary<string, int> _columnIndex = new(StringComparer.Ordinal);
    private bool _headerWritten;
    private byte[] _pending = new byte[64 * 1024];
    private int _pendingLength;
    private long _lastWrite;

    /// <summary>Creates the writer; the file is opened by <see cref="StatsWriter.OpenAsync"/>.</summary>
    public CsvStatsWriter(CsvWriterOptions options, ILogger<CsvStatsWriter> logger, TimeProvider? timeProvider = null)
    {
        _options = options;
        _logger = logger;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The file of the open stage.</summary>
    public string FilePath => _path;

    /// <inheritdoc />
    protected override ValueTask OnOpenAsync(WriterContext context, CancellationToken cancellationToken)
    {
        _path = StagePath.Resolve(_options.PathTemplate, context.WorkingDirectory, context.Stage);
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);

        var keep = 0L;
        if (context.InitialStep == 0 && ForeignHeader() is { } reason)
        {
            // A fresh stage truncates its own old file, but a file that was never ours (a user's own train_stats.csv)
            // is kept: moved aside like on resume, not destroyed.
            var aside = MoveAside("foreign");
            CsvWriterLog.ForeignFileMovedAside(_logger, _path, reason, aside);
        }

        if (File.Exists(_path) && context.InitialStep > 0)
        {
            var scan = CsvResumeScanner.Scan(_path, context.InitialStep);
            if (scan.ForeignReason is not null)
            {
                var aside = MoveAside("foreign");
                CsvWriterLog.ForeignFileMovedAside(_logger, _path, scan.ForeignReason, aside);
            }
            else
            {
                if (scan.BadLines.Count > 0)
                {
                    var copy = CopyAside("malformed");
                    CsvWriterLog.MalformedLinesDropped(_logger, _path, scan.BadLines.Count, scan.BadLines[0], copy);
                    CsvResumeScanner.RewriteValidRows(_path, scan);
                    scan = CsvResumeScanner.Scan(_path, context.InitialStep);
                }

                _columns = scan.Columns!;
                _headerWritten = true;
                keep = scan.KeepLength;
                if (scan.DiscardedRows > 0 || scan.TornTail)
                {
                    CsvWriterLog.Resuming(_logger, _path, context.InitialStep, scan.KeptRows, scan.DiscardedRows, scan.TornTail ? " and a torn last line" : string.Empty);
                }
            }
        }

        _file = new FileStream(_path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0);
        _file.SetLength(keep);
        _file.Position = keep;
        RebuildColumnIndex();
        _lastWrite = _time.GetTimestamp();
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    protected override ValueTask OnWriteAsync(IReadOnlyList<StatsRecord> batch, CancellationToken cancellationToken)
    {
        var mark = _pendingLength;
        var headerAppended = false;
        try
        {
            WidenIfNeeded(batch);
            if (!_headerWritten)
            {
                Append(Encoding.UTF8.GetBytes(CsvFormat.Header(_columns)));
                _headerWritten = true;
                headerAppended = true;
            }

            AppendRows(batch);

            if (_pendingLength >= WriteThreshold || _time.GetElapsedTime(_lastWrite) >= _options.FlushInterval)
            {
                WritePending();
            }
        }
        catch
        {
            // Leave no partial batch behind: the pipeline retries with the same batch (and the header, if this call
            // added it, is written again by the retry).
            _pendingLength = Math.Min(_pendingLength, mark);
            if (headerAppended)
            {
                _headerWritten = false;
            }
            throw;
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    protected override ValueTask OnFlushAsync(CancellationToken cancellationToken)
    {
        WritePending();
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    protected override ValueTask OnCloseAsync(StageOutcome outcome, CancellationToken cancellationToken)
    {
        if (!_headerWritten && _columns.Count == 0)
        {
            // A stage that wrote nothing still leaves a valid (header-only) file for readers.
            Append(Encoding.UTF8.GetBytes(CsvFormat.Header(_columns)));
            _headerWritten = true;
        }

        WritePending();
        _file?.Dispose();
        _file = null;
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    protected override ValueTask DisposeCoreAsync()
    {
        // After a failure: whatever reached the file stays; buffered rows are lost like in a crash and the next
        // open (from the last checkpoint) rewrites them.
        _file?.Dispose();
        _file = null;
        return ValueTask.CompletedTask;
    }

    private void WritePending()
    {
        if (_pendingLength == 0 || _file is null)
        {
            _lastWrite = _time.GetTimestamp();
            return;
        }

        var before = _file.Position;
        try
        {
            _file.Write(_pending, 0, _pendingLength);
        }
        catch
        {
            // A short write (disk full) must not leave a torn row in the middle of the file.
            _file.SetLength(before);
            _file.Position = before;
            throw;
        }

        _pendingLength = 0;
        _lastWrite = _time.GetTimestamp();
    }

    private void AppendRows(IReadOnlyList<StatsRecord> batch)
    {
        // Layouts are resolved here, single-threaded, so that formatting only reads them.
        var layouts = new int[batch.Count][];
        StatsKeys? lastKeys = null;
        int[] lastLayout = [];
        for (var i = 0; i < batch.Count; i++)
        {
            if (!ReferenceEquals(batch[i].Keys, lastKeys))
            {
                lastKeys = batch[i].Keys;
                lastLayout = LayoutOf(lastKeys);
            }

            layouts[i] = lastLayout;
        }

        var rowBytes = MaxRowBytes(_columns.Count);
        var reserve = (long)rowBytes * batch.Count;
        if (reserve > Array.MaxLength / 2)
        {
            throw new PermanentWriterException(
                $"A batch of {batch.Count} records of {_columns.Count} columns is too large to format at once; lower Writers:Csv:MaxBatchSize.");
        }

        EnsureCapacity((int)reserve);
        var start = _pendingLength;

        // At least two parts even on one core: the output is the same, and the split path is the one tests cover.
        var parts = batch.Count >= ParallelFrom ? Math.Clamp(Environment.ProcessorCount, 2, 4) : 1;
        if (parts == 1)
        {
            _pendingLength += FormatRows(batch, layouts, 0, batch.Count, _pending.AsSpan(start));
            return;
        }

        // Each part formats into its own worst-case slice of the reserved space; the parts then close up in order
        // (each moves left or stays, which Span.CopyTo handles).
        var bounds = new int[parts + 1];
        for (var p = 0; p <= parts; p++)
        {
            bounds[p] = (int)((long)batch.Count * p / parts);
        }

        var lengths = new int[parts];
        try
        {
            Parallel.For(0, parts, p =>
                lengths[p] = FormatRows(batch, layouts, bounds[p], bounds[p + 1], _pending.AsSpan(start + (bounds[p] * rowBytes), (bounds[p + 1] - bounds[p]) * rowBytes)));
        }
        catch (AggregateException e)
        {
            // Fail as the single-threaded path would, so the pipeline classifies the error the same way.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
        }

        for (var p = 0; p < parts; p++)
        {
            _pending.AsSpan(start + (bounds[p] * rowBytes), lengths[p]).CopyTo(_pending.AsSpan(_pendingLength));
            _pendingLength += lengths[p];
        }
    }

    /// <summary>The most bytes a row can take: the step and one value per column, with separators and the row end.</summary>
    private static int MaxRowBytes(int columns) => 24 + ((columns + 1) * CsvFormat.MaxDoubleBytes);

    private static int FormatRows(IReadOnlyList<StatsRecord> batch, int[][] layouts, int from, int to, Span<byte> destination)
    {
        var n = 0;
        for (var r = from; r < to; r++)
        {
            var record = batch[r];
            var layout = layouts[r];
            record.Step.TryFormat(destination[n..], out var written, default, System.Globalization.CultureInfo.InvariantCulture);
            n += written;
            var values = record.Values;
            for (var c = 0; c < layout.Length; c++)
            {
                destination[n++] = (byte)CsvFormat.Separator;
                var v = layout[c];
                if (v >= 0)
                {
                    n += CsvFormat.FormatDouble(values[v], destination[n..]);
                }
            }

            destination[n++] = (byte)'\n';
        }

        return n;
    }

    private int[] LayoutOf(StatsKeys keys)
    {
        if (_layouts.TryGetValue(keys, out var layout))
        {
            return layout;
        }

        layout = new int[_columns.Count];
        Array.Fill(layout, -1);
        for (var i = 0; i < keys.Count; i++)
        {
            layout[_columnIndex[keys[i]]] = i;
        }

        _layouts[keys] = layout;
        return layout;
    }

    private void WidenIfNeeded(IReadOnlyList<StatsRecord> batch)
    {
        List<string>? added = null;
        StatsKeys? seen = null;
        foreach (var record in batch)
        {
            if (ReferenceEquals(record.Keys, seen) || _layouts.ContainsKey(record.Keys))
            {
                seen = record.Keys;
                continue;
            }

            seen = record.Keys;
            foreach (var key in record.Keys)
            {
                if (!_columnIndex.ContainsKey(key) && !(added ??= []).Contains(key))
                {
                    added.Add(key);
                }
            }
        }

        if (added is null)
        {
            return;
        }

        var columns = _columns.Concat(added).Order(StringComparer.Ordinal).ToList();
        if (_headerWritten)
        {
            // A key that first appears mid-stage widens the header; earlier rows get empty cells for it.
            // Rare (usually never after the first step), so a rewrite through a temp file is fine.
            WritePending();
            _file!.Dispose();
            CsvResumeScanner.RewriteWithColumns(_path, _columns, columns);
            _file = new FileStream(_path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0);
            _file.Position = _file.Length;
            CsvWriterLog.HeaderWidened(_logger, _path, string.Join(", ", added), batch[0].Step);
        }

        _columns = columns;
        RebuildColumnIndex();
    }

    private void RebuildColumnIndex()
    {
        _columnIndex = new Dictionary<string, int>(_columns.Count, StringComparer.Ordinal);
        for (var i = 0; i < _columns.Count; i++)
        {
            _columnIndex[_columns[i]] = i;
        }

        _layouts.Clear();
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        EnsureCapacity(bytes.Length);
        bytes.CopyTo(_pending.AsSpan(_pendingLength));
        _pendingLength += bytes.Length;
    }

    private void EnsureCapacity(int extra)
    {
        if (_pendingLength + extra <= _pending.Length)
        {
            return;
        }

        var bigger = new byte[Math.Max(_pending.Length * 2, _pendingLength + extra)];
        _pending.AsSpan(0, _pendingLength).CopyTo(bigger);
        _pending = bigger;
    }

    /// <summary>Why the existing file is someone else's: a complete first line whose first column is not <c>step</c>.</summary>
    private string? ForeignHeader()
    {
        if (!File.Exists(_path))
        {
            return null;
        }

        // The header is all that is needed; a torn header (a crash before the first flush) is our own.
        using var stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var head = new byte[(int)Math.Min(stream.Length, 1 << 20)];
        stream.ReadExactly(head);
        var header = CsvFormat.ParseHeader(head);
        return header is { Columns: var columns } && (columns.Count == 0 || columns[0] != CsvFormat.StepColumn)
            ? $"its first column is '{(columns.Count == 0 ? string.Empty : columns[0][..Math.Min(columns[0].Length, 40)])}', not '{CsvFormat.StepColumn}'"
            : null;
    }

    private string MoveAside(string why) => FileDurability.SetAside(_path, why, _time.GetUtcNow());

    private string CopyAside(string why) => FileDurability.CopyAside(_path, why, _time.GetUtcNow());
}
