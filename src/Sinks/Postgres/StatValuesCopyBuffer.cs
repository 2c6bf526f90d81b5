using System.Buffers.Binary;

namespace Jaqmc.Sinks.Postgres;

/// <summary>
/// Rows of <c>stat_values (stage_id, key_id, step, value)</c> in PostgreSQL's binary COPY format, encoded here and
/// sent with one write per 64 KiB through Npgsql's raw COPY stream. Npgsql's importer costs four generic async calls
/// per value, enough of them to be recompiled at run time; this is a few stores per value, compiled ahead of time.
/// </summary>
/// <remarks>
/// The format (PostgreSQL's "COPY" reference, "Binary Format"): a 19-byte header (signature, flags, extension
/// length), per row a 16-bit field count and per field a 32-bit length and the value in network byte order, and a
/// 16-bit -1 as trailer. The buffer only ever holds whole rows, so a write cut short sends no torn row.
/// </remarks>
internal sealed class StatValuesCopyBuffer
{
    private const int RowBytes = 2 + (4 + 4) + (4 + 4) + (4 + 8) + (4 + 8);

    private static readonly byte[] Header =
    [
        (byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xFF, (byte)'\r', (byte)'\n', 0,
        0, 0, 0, 0, // flags: no OIDs
        0, 0, 0, 0, // header extension length
    ];

    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _used;

    /// <summary>The bytes encoded and not yet sent.</summary>
    public ReadOnlyMemory<byte> Pending => _buffer.AsMemory(0, _used);

    /// <summary>Whether another row (and the trailer) fits before <see cref="Pending"/> must be sent.</summary>
    public bool HasRoomForRow => _buffer.Length - _used >= RowBytes + 2;

    /// <summary>Starts a COPY: the header, and nothing else pending.</summary>
    public void Begin()
    {
        Header.CopyTo(_buffer, 0);
        _used = Header.Length;
    }

    /// <summary>Forgets what was sent.</summary>
    public void Sent() => _used = 0;

    public void AddRow(int stageId, int keyId, long step, double value)
    {
        var row = _buffer.AsSpan(_used, RowBytes);
        BinaryPrimitives.WriteInt16BigEndian(row, 4);
        BinaryPrimitives.WriteInt32BigEndian(row[2..], 4);
        BinaryPrimitives.WriteInt32BigEndian(row[6..], stageId);
        BinaryPrimitives.WriteInt32BigEndian(row[10..], 4);
        BinaryPrimitives.WriteInt32BigEndian(row[14..], keyId);
        BinaryPrimitives.WriteInt32BigEndian(row[18..], 8);
        BinaryPrimitives.WriteInt64BigEndian(row[22..], step);
        BinaryPrimitives.WriteInt32BigEndian(row[30..], 8);

        // The bits as they are: NaN payloads, -0 and infinities arrive unchanged.
        BinaryPrimitives.WriteInt64BigEndian(row[34..], BitConverter.DoubleToInt64Bits(value));
        _used += RowBytes;
    }

    /// <summary>Ends the COPY: the trailer.</summary>
    public void End()
    {
        BinaryPrimitives.WriteInt16BigEndian(_buffer.AsSpan(_used, 2), -1);
        _used += 2;
    }
}
