using System.Buffers;
using Jaqmc.Sinks;

namespace Jaqmc.Service.Spool;

/// <summary>
/// Appends frames to a spool's newest segment, in this process's segments only (a segment an earlier process left
/// may end in a torn frame). A frame reaches the file with one write; <see cref="Flush"/> fsyncs. A segment past
/// <see cref="Spool.SegmentBytes"/> is sealed and the next one begun, starting with the open stage (a continue
/// frame), so the uploader can start from any segment.
/// </summary>
/// <remarks>Used by one writer pump at a time (stages follow each other), so it needs no lock of its own.</remarks>
internal sealed class SpoolAppender : IDisposable
{
    private readonly Spool _spool;
    private readonly TimeProvider _time;
    private readonly ArrayBufferWriter<byte> _frame = new(64 * 1024);
    private FileStream? _file;
    private SpoolSegment? _segment;
    private WriterContext? _stage;
    private int _frameRecords;
    private int _frameStageChanges;
    private bool _dirty;

    public SpoolAppender(Spool spool, TimeProvider time)
    {
        _spool = spool;
        _time = time;
    }

    /// <summary>Bytes of the frame prepared and not yet appended.</summary>
    public int PreparedBytes => _frame.WrittenCount;

    public void AppendOpen(WriterContext context)
    {
        SpoolCodec.WriteStage(_frame, SpoolFrameKind.StageOpen, context, Now);
        _frameStageChanges = 1;
        AppendPrepared();
        _stage = context;
    }

    public void AppendClose(StageOutcome outcome)
    {
        SpoolCodec.WriteClose(_frame, outcome, Now);
        _frameStageChanges = 1;
        AppendPrepared();
        _stage = null;
    }

    /// <summary>Encodes records <paramref name="first"/>..+<paramref name="count"/> (one key set) as the next frame, not yet appended.</summary>
    public void PrepareRecords(IReadOnlyList<StatsRecord> batch, int first, int count)
    {
        SpoolCodec.WriteRecords(_frame, batch, first, count, Now);
        _frameRecords = count;
    }

    public void DiscardPrepared()
    {
        _frame.ResetWrittenCount();
        _frameRecords = 0;
        _frameStageChanges = 0;
    }

    /// <summary>Writes the prepared frame to the segment (one write call) and lets the uploader see it.</summary>
    /// <exception cref="IOException">The disk is full or failing; the segment is cut back to its last whole frame.</exception>
    public void AppendPrepared()
    {
        try
        {
            if (_segment is null || (_segment.Length + _frame.WrittenCount > _spool.SegmentBytes && _segment.Length > SpoolCodec.HeaderBytes))
            {
                StartSegment();
            }

            Write(_frame.WrittenSpan, _frameRecords, _frameStageChanges);
        }
        finally
        {
            DiscardPrepared();
        }
    }

    /// <summary>Makes everything appended durable (fsync).</summary>
    public void Flush()
    {
        if (_dirty && _file is not null)
        {
            _file.Flush(flushToDisk: true);
            _dirty = false;
        }
    }

    /// <summary>Flushes and seals the segment: this process appends no more to it.</summary>
    public void Seal()
    {
        if (_file is null || _segment is null)
        {
            return;
        }

        try
        {
            Flush();
        }
        finally
        {
            _file.Dispose();
            _file = null;
            _spool.Seal(_segment);
            _segment = null;
        }
    }

    public void Dispose() => Seal();

    private long Now => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private void StartSegment()
    {
        Seal();
        var segment = _spool.AddSegment();
        _file = new FileStream(segment.Path, FileMode.CreateNew, FileAccess.Write, FileShare.Read | FileShare.Delete, bufferSize: 0);
        _segment = segment;
        var start = new ArrayBufferWriter<byte>(256);
        start.Write(SpoolCodec.Magic);
        if (_stage is { } stage)
        {
            SpoolCodec.WriteStage(start, SpoolFrameKind.StageContinue, stage, Now);
        }

        Write(start.WrittenSpan, 0, 0);

        // The new file's name must survive a power loss as well as its bytes.
        Flush();
        FileDurability.SyncDirectory(_spool.Directory);
    }

    private void Write(ReadOnlySpan<byte> bytes, int records, int stageChanges)
    {
        var file = _file!;
        var segment = _segment!;
        var before = segment.Length;
        try
        {
            file.Write(bytes);
        }
        catch (IOException)
        {
            // Leave no torn frame behind: later frames of this process must stay readable after it.
            try
            {
                file.SetLength(before);
            }
            catch (IOException)
            {
                // The reader stops at the torn frame; a later process starts a new segment anyway.
            }

            throw;
        }

        _dirty = true;
        _spool.Appended(segment, before + bytes.Length, records, stageChanges, Now);
    }
}
