using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;
using Jaqmc.Sinks;

namespace Jaqmc.Service.Spool;

/// <summary>
/// The byte layout of a spool segment: the magic <c>JQSPOOL1</c>, then frames of
/// <c>[u32 payload length][u32 CRC-32 of the payload][payload]</c>, little-endian. A payload starts with its
/// <see cref="SpoolFrameKind"/> and the time it was appended. A frame whose length or checksum does not hold ends
/// the segment: it is a torn write (never acknowledged by a flush) or damage.
/// </summary>
internal static class SpoolCodec
{
    public const int HeaderBytes = 8;

    /// <summary>No frame is larger: a length beyond it is damage, not a frame.</summary>
    public const int MaxPayloadBytes = 256 << 20;

    /// <summary>What every payload starts with: its kind (1 byte) and when it was appended (8 bytes).</summary>
    private const int PayloadPrefixBytes = 9;

    public static ReadOnlySpan<byte> Magic => "JQSPOOL1"u8;

    /// <summary>Appends a stage frame (open or continue) to <paramref name="buffer"/>.</summary>
    public static void WriteStage(ArrayBufferWriter<byte> buffer, SpoolFrameKind kind, WriterContext context, long appendedAt)
    {
        var start = BeginFrame(buffer, kind, appendedAt);
        WriteString(buffer, context.WorkingDirectory);
        WriteString(buffer, context.Stage);
        WriteInt64(buffer, context.InitialStep);
        WriteString(buffer, context.RunName);
        WriteByte(buffer, context.RunConfiguration is null ? (byte)0 : (byte)1);
        if (context.RunConfiguration is { } configuration)
        {
            WriteString(buffer, configuration);
        }

        EndFrame(buffer, start);
    }

    /// <summary>Appends a records frame of <paramref name="count"/> records from <paramref name="first"/> on, all with one key set.</summary>
    public static void WriteRecords(ArrayBufferWriter<byte> buffer, IReadOnlyList<StatsRecord> records, int first, int count, long appendedAt)
    {
        var start = BeginFrame(buffer, SpoolFrameKind.Records, appendedAt);
        var keys = records[first].Keys;
        WriteString(buffer, records[first].Stage);
        WriteInt32(buffer, count);
        WriteInt32(buffer, keys.Count);
        for (var k = 0; k < keys.Count; k++)
        {
            WriteString(buffer, keys[k]);
        }

        var recordBytes = RecordBytes(keys.Count);
        var span = buffer.GetSpan(recordBytes * count);
        var at = 0;
        for (var r = first; r < first + count; r++)
        {
            var record = records[r];
            BinaryPrimitives.WriteInt64LittleEndian(span[at..], record.Step);
            at += 8;
            var values = record.Values;
            for (var v = 0; v < values.Length; v++)
            {
                BinaryPrimitives.WriteDoubleLittleEndian(span[at..], values[v]);
                at += 8;
            }
        }

        buffer.Advance(at);
        EndFrame(buffer, start);
    }

    /// <summary>Appends a stage-close frame.</summary>
    public static void WriteClose(ArrayBufferWriter<byte> buffer, StageOutcome outcome, long appendedAt)
    {
        var start = BeginFrame(buffer, SpoolFrameKind.StageClose, appendedAt);
        WriteByte(buffer, (byte)outcome);
        EndFrame(buffer, start);
    }

    /// <summary>
    /// Reads the frame's length and checksum header at the start of <paramref name="header"/>; false when the
    /// length cannot be a frame's.
    /// </summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> header, out int payloadLength, out uint checksum)
    {
        payloadLength = BinaryPrimitives.ReadInt32LittleEndian(header);
        checksum = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
        return payloadLength is > PayloadPrefixBytes and <= MaxPayloadBytes;
    }

    /// <summary>Whether <paramref name="payload"/> matches its checksum.</summary>
    public static bool Verify(ReadOnlySpan<byte> payload, uint checksum) => Crc32.HashToUInt32(payload) == checksum;

    /// <summary>The number of records a verified records payload holds, without decoding them.</summary>
    public static int CountRecords(ReadOnlySpan<byte> payload)
    {
        if ((SpoolFrameKind)payload[0] != SpoolFrameKind.Records)
        {
            return 0;
        }

        var at = PayloadPrefixBytes;
        var stageLength = BinaryPrimitives.ReadInt32LittleEndian(payload[at..]);
        return BinaryPrimitives.ReadInt32LittleEndian(payload[(at + 4 + stageLength)..]);
    }

    /// <summary>Whether a verified payload opens or closes a stage (a status change the store has to see).</summary>
    public static bool IsStageChange(ReadOnlySpan<byte> payload) => IsStageChange((SpoolFrameKind)payload[0]);

    /// <summary>Whether frames of <paramref name="kind"/> open or close a stage (a continue frame only restates one).</summary>
    public static bool IsStageChange(SpoolFrameKind kind) => kind is SpoolFrameKind.StageOpen or SpoolFrameKind.StageClose;

    /// <summary>The bytes one record of <paramref name="keyCount"/> values takes in a records frame: its step and its values.</summary>
    public static int RecordBytes(int keyCount) => 8 + (8 * keyCount);

    /// <summary>When a verified payload was appended (Unix milliseconds).</summary>
    public static long AppendedAt(ReadOnlySpan<byte> payload) => BinaryPrimitives.ReadInt64LittleEndian(payload[1..]);

    /// <summary>Decodes a verified payload; <paramref name="keyCache"/> keeps one key set per run of frames with the same keys.</summary>
    public static SpoolFrame Decode(ReadOnlySpan<byte> payload, long end, ref StatsKeys? keyCache)
    {
        var kind = (SpoolFrameKind)payload[0];
        var appendedAt = AppendedAt(payload);
        var at = PayloadPrefixBytes;
        switch (kind)
        {
            case SpoolFrameKind.StageOpen or SpoolFrameKind.StageContinue:
            {
                var directory = ReadString(payload, ref at);
                var stage = ReadString(payload, ref at);
                var initialStep = BinaryPrimitives.ReadInt64LittleEndian(payload[at..]);
                at += 8;
                var run = ReadString(payload, ref at);
                var configuration = payload[at++] == 1 ? ReadString(payload, ref at) : null;
                return new SpoolFrame(kind, new WriterContext(directory, stage, initialStep, run, configuration), [], default, appendedAt, end);
            }

            case SpoolFrameKind.Records:
            {
                var stage = ReadString(payload, ref at);
                var count = BinaryPrimitives.ReadInt32LittleEndian(payload[at..]);
                var keyCount = BinaryPrimitives.ReadInt32LittleEndian(payload[(at + 4)..]);
                at += 8;
                var names = new string[keyCount];
                for (var k = 0; k < keyCount; k++)
                {
                    names[k] = ReadString(payload, ref at);
                }

                var keys = keyCache is not null && keyCache.SequenceEqual(names, StringComparer.Ordinal) ? keyCache : new StatsKeys(names);
                keyCache = keys;
                var records = new StatsRecord[count];
                for (var r = 0; r < count; r++)
                {
                    var step = BinaryPrimitives.ReadInt64LittleEndian(payload[at..]);
                    at += 8;
                    var values = new double[keyCount];
                    for (var v = 0; v < keyCount; v++)
                    {
                        values[v] = BinaryPrimitives.ReadDoubleLittleEndian(payload[at..]);
                        at += 8;
                    }

                    records[r] = new StatsRecord(stage, step, keys, values);
                }

                return new SpoolFrame(kind, null, records, default, appendedAt, end);
            }

            case SpoolFrameKind.StageClose:
                return new SpoolFrame(kind, null, [], (StageOutcome)payload[at], appendedAt, end);

            default:
                throw new InvalidDataException($"Spool frame of unknown kind {(byte)kind}.");
        }
    }

    private static int BeginFrame(ArrayBufferWriter<byte> buffer, SpoolFrameKind kind, long appendedAt)
    {
        var start = buffer.WrittenCount;
        buffer.GetSpan(HeaderBytes);
        buffer.Advance(HeaderBytes);
        WriteByte(buffer, (byte)kind);
        WriteInt64(buffer, appendedAt);
        return start;
    }

    private static void EndFrame(ArrayBufferWriter<byte> buffer, int start)
    {
        // The header is filled in last, over the bytes reserved for it.
        var written = MemoryMarshal.AsMemory(buffer.WrittenMemory).Span;
        var payload = written[(start + HeaderBytes)..];
        var header = written.Slice(start, HeaderBytes);
        BinaryPrimitives.WriteInt32LittleEndian(header, payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], Crc32.HashToUInt32(payload));
    }

    private static void WriteByte(ArrayBufferWriter<byte> buffer, byte value)
    {
        buffer.GetSpan(1)[0] = value;
        buffer.Advance(1);
    }

    private static void WriteInt32(ArrayBufferWriter<byte> buffer, int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(buffer.GetSpan(4), value);
        buffer.Advance(4);
    }

    private static void WriteInt64(ArrayBufferWriter<byte> buffer, long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(buffer.GetSpan(8), value);
        buffer.Advance(8);
    }

    private static void WriteString(ArrayBufferWriter<byte> buffer, string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        WriteInt32(buffer, length);
        Encoding.UTF8.GetBytes(value, buffer.GetSpan(length));
        buffer.Advance(length);
    }

    private static string ReadString(ReadOnlySpan<byte> payload, ref int at)
    {
        var length = BinaryPrimitives.ReadInt32LittleEndian(payload[at..]);
        at += 4;
        var value = Encoding.UTF8.GetString(payload.Slice(at, length));
        at += length;
        return value;
    }
}
