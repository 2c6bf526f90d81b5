using System.Globalization;
using Jaqmc.Sinks.Hdf5.Native;
using Microsoft.Extensions.Logging;

namespace Jaqmc.Sinks.Hdf5;

/// <summary>
/// Writes a stage's statistics to <c>{stage}_stats.h5</c> through the HDF5 C library: one float64 root dataset per
/// key (named after the key; see the remarks for keys that are escaped) and an int64 <c>step</c> dataset, all of
/// the same length, readable by h5py, pandas and h5dump while the run goes on.
/// </summary>
/// <remarks>
/// <para>
/// Records are buffered in memory and appended in blocks at each flush, or once <see cref="Hdf5WriterOptions.ChunkSize"/>
/// rows are buffered. A key that appears mid-stage gets a dataset whose earlier rows read as NaN; a key missing
/// from a record reads as NaN in that row. A key containing <c>/</c>, equal to <c>.</c>, <c>..</c> or
/// <c>step</c>, or starting with <c>~</c> is stored under an escaped name starting with <c>~</c>; every key
/// dataset carries its key verbatim in its <c>key</c> attribute.
/// </para>
/// <para>
/// Each append grows the datasets in two flushes, so that after a crash the complete rows are those before the
/// shortest dataset's end (readers: <c>n = min(len(d) for d in f.values())</c>): the flush that makes rows complete
/// never allocates a chunk for them (HDF5 writes a flush's metadata in no crash-safe order and the superblock last;
/// see <see cref="Hdf5ColumnFile.Append"/>). The <c>step</c> dataset's chunks are therefore longer than the value
/// datasets' (16 × <see cref="Hdf5WriterOptions.ChunkSize"/> + 1 rows).
/// Rows that need a new dataset, the file's first rows and those of a key that appears mid-stage, are not appended in
/// place: the file's rows and the new ones are written to a fresh file (<c>.h5.resume</c>), which is checked, fsynced
/// and atomically renamed over the file, because a kill while HDF5 adds a dataset in place can leave a file no
/// reader opens. The stage's empty file is created the same way. A key first seen late in a long stage therefore
/// costs one copy of the file. A fresh file that replaces one holding no row the stage keeps (the stage's empty file,
/// its first rows) is renamed without the fsyncs: a power loss costs it no more than it costs an append made in place.
/// Steps must not be negative: <c>step</c>'s fill value is -1, which marks a row whose step never reached the file.
/// File locking is off, so h5py can open the file while the run goes on and sees the rows up to the last flush.
/// </para>
/// <para>
/// On resume (initial step k &gt; 0) the valid rows before step k are copied into a fresh file
/// (<c>.h5.resume</c>), which is closed, checked, fsynced and then atomically renamed over the old one; the old file
/// is only ever read, so a kill at any point of a resume leaves either it or the complete new file. A file that cannot be read as a statistics file is renamed aside
/// (<c>.corrupt-yyyyMMddTHHmmssZ-xxxxxx</c>) with a warning, never deleted; with k = 0 the file is started afresh.
/// </para>
/// <para>
/// A stage that completes with fewer than <see cref="Hdf5WriterOptions.ChunkSize"/> rows has its closed file
/// rewritten the same way with one chunk per dataset that fits its rows
/// (<see cref="Hdf5WriterOptions.CompactSmallFiles"/>): the append layout allocates whole chunks, about 0.9 MB for
/// any short stage of 10 keys. A kill during the rewrite leaves the complete uncompacted file.
/// Requires the HDF5 1.10+ C library (Debian/Ubuntu: <c>libhdf5-103-1</c>).
/// </para>
/// </remarks>
public sealed partial class Hdf5StatsWriter : StatsWriter
{
    private static readonly byte[] Signature = [0x89, (byte)'H', (byte)'D', (byte)'F', (byte)'\r', (byte)'\n', 0x1a, (byte)'\n'];

    private readonly Hdf5WriterOptions _options;
    private readonly ILogger<Hdf5StatsWriter> _logger;
    private Hdf5ColumnFile? _file;
    private Hdf5RowBuffer? _buffer;
    private string _path = string.Empty;

    /// <summary>Creates the writer; the file is opened by <see cref="IStatsWriter.OpenAsync"/>.</summary>
    public Hdf5StatsWriter(Hdf5WriterOptions options, ILogger<Hdf5StatsWriter> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        _options = options;
        _logger = logger;
    }

    /// <summary>The file of the open stage (empty before open).</summary>
    internal string FilePath => _path;

    /// <summary>The open file, for tests that inject faults into it.</summary>
    internal Hdf5ColumnFile? OpenFile => _file;

    /// <inheritdoc />
    protected override ValueTask OnOpenAsync(WriterContext context, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_options.ChunkSize <= 0)
        {
            throw new PermanentWriterException($"Writers:Hdf5:ChunkSize must be greater than 0 (got {_options.ChunkSize}).");
        }

        var path = StagePath.Resolve(_options.PathTemplate, context.WorkingDirectory, context.Stage);
        try
        {
            _ = Hdf5Library.Globals;
        }
        catch (DllNotFoundException e)
        {
            throw new PermanentWriterException(e.Message, e);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.Delete(Hdf5ColumnFile.ResumeTemporaryPath(path));
        var file = context.InitialStep > 0 && File.Exists(path)
            ? OpenForResume(path, context)
            : Hdf5FileRewrite.CreateEmpty(path, context.Stage, _options.ChunkSize);

        _file = file;
        _buffer = NewBuffer(file);
        _path = path;
        LogOpened(path, context.Stage, context.InitialStep, file.Length);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    protected override ValueTask OnWriteAsync(IReadOnlyList<StatsRecord> batch, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        for (var i = 0; i < batch.Count; i++)
        {
            if (batch[i].Step < 0)
            {
                // The step dataset's fill value is -1 and readers stop at the first negative step.
                throw new PermanentWriterException($"The HDF5 writer cannot record step {batch[i].Step}: steps must not be negative.");
            }
        }

        var buffer = _buffer!;
        var mark = buffer.Count;
        buffer.Append(batch);
        if (buffer.Count >= _options.ChunkSize)
        {
            try
            {
                AppendBuffered();
            }
            catch
            {
                // The pipeline retries with the same batch: forget it so it is not buffered twice. Rows of earlier
                // batches stay buffered and the file is back at its previous length.
                buffer.Truncate(mark);
                throw;
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    protected override ValueTask OnFlushAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Commit();
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    protected override ValueTask OnCloseAsync(StageOutcome outcome, CancellationToken cancellationToken)
    {
        Commit();
        var length = _file!.Length;
        Release();
        LogClosed(_path, outcome, length);
        if (outcome == StageOutcome.Completed && _options.CompactSmallFiles && length > 0 && length < (ulong)_options.ChunkSize)
        {
            CompactClosedFile(length);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    protected override ValueTask DisposeCoreAsync()
    {
        Release();
        return ValueTask.CompletedTask;
    }

    private void Commit()
    {
        // A key seen only in rows a failed batch took back gets its dataset with the next rows that carry it.
        if (_buffer!.Count > 0)
        {
            AppendBuffered();
        }
    }

    /// <summary>
    /// Moves the buffered rows to the file: in place, or through a fresh file renamed over it when they need new
    /// datasets (see <see cref="Hdf5FileRewrite.AppendWithNewDatasets"/>), whose key order the buffer then takes.
    /// </summary>
    private void AppendBuffered()
    {
        var file = _file!;
        var buffer = _buffer!;
        if (file.Length == 0 || buffer.ColumnCount > file.Keys.Count)
        {
            _file = Hdf5FileRewrite.AppendWithNewDatasets(file, _path, Context.Stage, _options.ChunkSize, buffer);
            _buffer = NewBuffer(_file);
            LogRebuilt(_path, _file.Keys.Count, _file.Length);
            return;
        }

        file.Append(buffer);
        buffer.Clear();
    }

    private Hdf5RowBuffer NewBuffer(Hdf5ColumnFile file)
    {
        var buffer = new Hdf5RowBuffer(_options.ChunkSize);
        foreach (var key in file.Keys)
        {
            buffer.AddExistingColumn(key);
        }

        return buffer;
    }

    private void Release()
    {
        _file?.Dispose();
        _file = null;
    }

    /// <summary>
    /// Rewrites the closed file of a completed short stage with chunks that fit its rows. A failure only costs disk
    /// space: the file it would have replaced is complete and stays, so it is logged and the stage still ends well.
    /// </summary>
    private void CompactClosedFile(ulong rows)
    {
        var before = new FileInfo(_path).Length;
        try
        {
            Hdf5FileRewrite.Compact(_path, Context.Stage, rows);
            LogCompacted(_path, rows, before, new FileInfo(_path).Length);
        }
        catch (Exception e) when (e is Hdf5Exception or IOException or InvalidDataException or UnauthorizedAccessException)
        {
            TryDelete(Hdf5ColumnFile.ResumeTemporaryPath(_path));
            LogNotCompacted(_path, e.Message);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private Hdf5ColumnFile OpenForResume(string path, WriterContext context)
    {
        if (!LooksLikeHdf5(path))
        {
            return ReplaceUnreadable(path, context, "it does not start with the HDF5 signature");
        }

        try
        {
            return Hdf5FileRewrite.Resume(path, context.Stage, context.InitialStep, _options.ChunkSize);
        }
        catch (InvalidDataException e)
        {
            // Only a file that cannot be read is set aside; failing to write its replacement (a full disk) is
            // left to the pipeline's retries with the file untouched.
            return ReplaceUnreadable(path, context, e.Message);
        }
    }

    private Hdf5ColumnFile ReplaceUnreadable(string path, WriterContext context, string reason)
    {
        var aside = FileDurability.SetAside(path, "corrupt", DateTimeOffset.UtcNow);
        LogRenamedAside(path, aside, reason);
        return Hdf5FileRewrite.CreateEmpty(path, context.Stage, _options.ChunkSize);
    }

    private static bool LooksLikeHdf5(string path)
    {
        // The signature sits at 0 or, after a user block, at 512, 1024, 2048 ...; these files never have one.
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        Span<byte> head = stackalloc byte[8];
        return stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) == head.Length && head.SequenceEqual(Signature);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Opened '{Path}' for stage '{Stage}' at initial step {InitialStep} with {Rows} rows kept")]
    private partial void LogOpened(string path, string stage, long initialStep, ulong rows);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Rebuilt '{Path}' with new datasets: {Keys} keys, {Rows} rows")]
    private partial void LogRebuilt(string path, int keys, ulong rows);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Closed '{Path}' ({Outcome}) with {Rows} rows")]
    private partial void LogClosed(string path, StageOutcome outcome, ulong rows);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Compacted '{Path}' ({Rows} rows) from {Before} to {After} bytes")]
    private partial void LogCompacted(string path, ulong rows, long before, long after);

    [LoggerMessage(Level = LogLevel.Warning, Message = "'{Path}' is complete but was not compacted ({Reason}); it keeps its larger layout")]
    private partial void LogNotCompacted(string path, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "'{Path}' cannot be resumed as a statistics file ({Reason}); it was renamed to '{Aside}' and a new file was started")]
    private partial void LogRenamedAside(string path, string aside, string reason);
}
