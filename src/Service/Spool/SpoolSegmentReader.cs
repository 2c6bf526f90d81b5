using Jaqmc.Sinks;
using Microsoft.Win32.SafeHandles;

namespace Jaqmc.Service.Spool;

/// <summary>Reads one segment's frames in order, checking each one's length and checksum.</summary>
internal sealed class SpoolSegmentReader : IDisposable
{
    private readonly SafeFileHandle _handle;
    private byte[] _buffer = new byte[64 * 1024];
    private StatsKeys? _keys;

    private SpoolSegmentReader(SafeFileHandle handle, long offset)
    {
        _handle = handle;
        Offset = offset;
    }

    /// <summary>Where the next frame starts.</summary>
    public long Offset { get; private set; }

    /// <summary>Set once a frame failed its checks: nothing after it in this segment is read.</summary>
    public bool Damaged { get; private set; }

    /// <summary>Opens a segment for reading; one without the magic reads as damaged.</summary>
    public static SpoolSegmentReader Open(string path)
    {
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var reader = new SpoolSegmentReader(handle, SpoolCodec.HeaderBytes);
        Span<byte> magic = stackalloc byte[SpoolCodec.HeaderBytes];
        if (RandomAccess.Read(handle, magic, 0) != SpoolCodec.HeaderBytes || !magic.SequenceEqual(SpoolCodec.Magic))
        {
            reader.Damaged = true;
        }

        return reader;
    }

    /// <summary>Decodes the next frame if all of it lies before <paramref name="limit"/>.</summary>
    public SpoolFrame? Read(long limit) =>
        NextPayload(limit) is { } length ? SpoolCodec.Decode(_buffer.AsSpan(0, length), Offset, ref _keys) : null;

    /// <summary>Checks the next frame and reports its records, whether it opens or closes a stage, and its time, without decoding it.</summary>
    public bool Skip(long limit, out int records, out bool stageChange, out long appendedAt)
    {
        records = 0;
        stageChange = false;
        appendedAt = 0;
        if (NextPayload(limit) is not { } length)
        {
            return false;
        }

        records = SpoolCodec.CountRecords(_buffer.AsSpan(0, length));
        stageChange = SpoolCodec.IsStageChange(_buffer.AsSpan(0, length));
        appendedAt = SpoolCodec.AppendedAt(_buffer.AsSpan(0, length));
        return true;
    }

    public void Dispose() => _handle.Dispose();

    /// <summary>Reads and verifies the next payload into the buffer and moves past it; null at the limit or damage.</summary>
    private int? NextPayload(long limit)
    {
        if (Damaged || Offset + SpoolCodec.HeaderBytes > limit)
        {
            return null;
        }

        Span<byte> header = stackalloc byte[SpoolCodec.HeaderBytes];
        if (RandomAccess.Read(_handle, header, Offset) != SpoolCodec.HeaderBytes
            || !SpoolCodec.TryReadHeader(header, out var length, out var checksum))
        {
            Damaged = true;
            return null;
        }

        var end = Offset + SpoolCodec.HeaderBytes + length;
        if (end > limit)
        {
            // Not all there yet (the appender publishes whole frames, so past the published length: a torn write).
            return null;
        }

        if (_buffer.Length < length)
        {
            _buffer = new byte[Math.Max(length, _buffer.Length * 2)];
        }

        var payload = _buffer.AsSpan(0, length);
        if (RandomAccess.Read(_handle, payload, Offset + SpoolCodec.HeaderBytes) != length || !SpoolCodec.Verify(payload, checksum))
        {
            Damaged = true;
            return null;
        }

        Offset = end;
        return length;
    }
}
