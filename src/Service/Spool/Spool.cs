using Jaqmc.Sinks;

namespace Jaqmc.Service.Spool;

/// <summary>
/// One remote writer's spool: the segment files in its directory, shared by the side that appends (the writer's
/// pump, through <see cref="SpoolAppender"/>) and the side that uploads (<see cref="SpoolUploader"/>), with the
/// counts the metrics and the stop report read. Opening takes the directory's lock file, so one process at a time
/// appends to or uploads a spool.
/// </summary>
internal sealed class Spool : IDisposable
{
    public const string LockFileName = "spool.lock";

    private readonly Lock _lock = new();
    private readonly List<SpoolSegment> _segments = [];

    // One entry per frame with records not yet uploaded: the spooled count through it, and when it was appended.
    private readonly Queue<(long Through, long AppendedAt)> _pending = new();
    private readonly TimeProvider _time;
    private TaskCompletionSource _changed = NewSignal();
    private FileStream? _lockFile;
    private long _nextSequence = 1;
    private long _bytes;
    private long _spooled;
    private long _uploaded;
    private long _stageChangesSpooled;
    private long _stageChangesUploaded;
    private long _dropped;

    public Spool(string name, string directory, SpoolOptions options, TimeProvider time)
    {
        Name = name;
        Directory = directory;
        MaxBytes = options.MaxBytes;

        // A quarter of the bound at most: the active segment cannot be deleted, so most of a full spool must be in
        // closed segments the uploader can free.
        SegmentBytes = Math.Max(4096, Math.Min(options.SegmentBytes, options.MaxBytes / 4));
        _time = time;
    }

    /// <summary>The writer's name.</summary>
    public string Name { get; }

    public string Directory { get; }

    public long MaxBytes { get; }

    public long SegmentBytes { get; }

    /// <summary>Bytes of segment files on disk.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Records in the spool not yet uploaded.</summary>
    public long Backlog
    {
        get
        {
            lock (_lock)
            {
                return _spooled - _uploaded;
            }
        }
    }

    /// <summary>Stage opens and closes in the spool not yet applied to the store (a run's and stage's status).</summary>
    public long StageChanges
    {
        get
        {
            lock (_lock)
            {
                return _stageChangesSpooled - _stageChangesUploaded;
            }
        }
    }

    /// <summary>Records uploaded since the spool was opened.</summary>
    public long Uploaded => Interlocked.Read(ref _uploaded);

    /// <summary>Records dropped because the spool was full (<c>Pipeline:FullMode</c> DropNewest/DropOldest).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>How long the oldest record not yet uploaded has waited in the spool (zero when none waits).</summary>
    public TimeSpan Lag
    {
        get
        {
            lock (_lock)
            {
                return _pending.TryPeek(out var oldest)
                    ? TimeSpan.FromMilliseconds(Math.Max(0, _time.GetUtcNow().ToUnixTimeMilliseconds() - oldest.AppendedAt))
                    : TimeSpan.Zero;
            }
        }
    }

    /// <summary>Completes at the next change: frames appended, a segment sealed or deleted. Take it before looking.</summary>
    public Task Changed
    {
        get
        {
            lock (_lock)
            {
                return _changed.Task;
            }
        }
    }

    /// <summary>
    /// Creates the directory, takes its lock and reads the segments an earlier process left (they are uploaded
    /// first; this process appends to new segments only).
    /// </summary>
    /// <exception cref="IOException">Another process holds the spool.</exception>
    public void Open()
    {
        System.IO.Directory.CreateDirectory(Directory);
        try
        {
            // FileShare.None takes an advisory lock on Unix; the kernel releases it when the process dies.
            _lockFile = new FileStream(Path.Combine(Directory, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new IOException($"The spool {Directory} is in use by another jaqmc process ({e.Message.TrimEnd('.')}).", e);
        }

        var scan = SpoolScan.Read(Directory);
        lock (_lock)
        {
            _segments.AddRange(scan.Segments);
            foreach (var (records, appendedAt) in scan.Frames)
            {
                _spooled += records;
                _pending.Enqueue((_spooled, appendedAt));
            }

            _stageChangesSpooled = scan.StageChanges;
            _bytes = scan.Bytes;
            _nextSequence = scan.Segments.Count == 0 ? 1 : scan.Segments[^1].Sequence + 1;
        }
    }

    /// <summary>Creates the next segment (empty; the appender writes its magic).</summary>
    public SpoolSegment AddSegment()
    {
        lock (_lock)
        {
            var segment = new SpoolSegment(_nextSequence, Path.Combine(Directory, SpoolSegment.FileName(_nextSequence)));
            _nextSequence++;
            _segments.Add(segment);
            return segment;
        }
    }

    /// <summary>
    /// The appender wrote whole frames up to <paramref name="length"/>, <paramref name="records"/> records and
    /// <paramref name="stageChanges"/> stage opens or closes among them.
    /// </summary>
    public void Appended(SpoolSegment segment, long length, int records, int stageChanges, long appendedAt)
    {
        lock (_lock)
        {
            _stageChangesSpooled += stageChanges;
            Interlocked.Add(ref _bytes, length - segment.FileBytes);
            segment.Length = length;
            segment.FileBytes = length;
            if (records > 0)
            {
                segment.Records += records;
                _spooled += records;
                _pending.Enqueue((_spooled, appendedAt));
            }

            Signal();
        }
    }

    public void Seal(SpoolSegment segment)
    {
        lock (_lock)
        {
            segment.Sealed = true;
            Signal();
        }
    }

    /// <summary>Whether <paramref name="bytes"/> more fit under <see cref="MaxBytes"/>.</summary>
    public bool HasRoomFor(long bytes) => Bytes + bytes <= MaxBytes;

    public void CountDropped(long records) => Interlocked.Add(ref _dropped, records);

    /// <summary>The oldest segment left, or null when the spool is empty.</summary>
    public SpoolSegment? Oldest
    {
        get
        {
            lock (_lock)
            {
                return _segments.Count == 0 ? null : _segments[0];
            }
        }
    }

    /// <summary>How far <paramref name="segment"/> can be read, and whether it will grow.</summary>
    public (long Length, bool Sealed) Readable(SpoolSegment segment)
    {
        lock (_lock)
        {
            return (segment.Length, segment.Sealed);
        }
    }

    /// <summary>The uploader committed <paramref name="records"/> more records (in spool order).</summary>
    public void MarkUploaded(long records)
    {
        lock (_lock)
        {
            Interlocked.Add(ref _uploaded, records);
            while (_pending.TryPeek(out var oldest) && oldest.Through <= _uploaded)
            {
                _pending.Dequeue();
            }
        }
    }

    /// <summary>The uploader applied a stage open or close to the store (or skipped it as belonging to nothing).</summary>
    public void MarkStageChangeUploaded()
    {
        lock (_lock)
        {
            _stageChangesUploaded++;
        }
    }

    /// <summary>Everything in the sealed <paramref name="segment"/> is committed: deletes its file.</summary>
    public void Delete(SpoolSegment segment)
    {
        File.Delete(segment.Path);
        lock (_lock)
        {
            _segments.Remove(segment);
            Interlocked.Add(ref _bytes, -segment.FileBytes);
            Signal();
        }
    }

    /// <summary>Wakes whoever waits on <see cref="Changed"/>.</summary>
    public void Wake()
    {
        lock (_lock)
        {
            Signal();
        }
    }

    public void Dispose()
    {
        _lockFile?.Dispose();
        _lockFile = null;
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void Signal()
    {
        var changed = _changed;
        _changed = NewSignal();
        changed.TrySetResult();
    }
}
