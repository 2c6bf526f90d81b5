using System.Buffers;
using System.Text.Json;
using Jaqmc.Sinks;

namespace Jaqmc.Remote;

/// <summary>
/// Writes the body of one batch, <c>{"keys": [...], "rows": [[step, v1, ...], ...]}</c>; NaN and ±Infinity are the
/// strings <c>"NaN"</c>, <c>"Infinity"</c>, <c>"-Infinity"</c> (JSON has no literal for them).
/// </summary>
internal static class RemoteBatchWriter
{
    public static byte[] Write(StatsKeys keys, IReadOnlyList<StatsRecord> records, int start, int count)
    {
        var buffer = new ArrayBufferWriter<byte>(Math.Max(256, count * (keys.Count + 1) * 20));
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true }))
        {
            json.WriteStartObject();
            json.WriteStartArray("keys");
            foreach (var key in keys)
            {
                json.WriteStringValue(key);
            }

            json.WriteEndArray();
            json.WriteStartArray("rows");
            for (var r = start; r < start + count; r++)
            {
                var record = records[r];
                json.WriteStartArray();
                json.WriteNumberValue(record.Step);
                foreach (var value in record.Values)
                {
                    if (double.IsFinite(value))
                    {
                        json.WriteNumberValue(value);
                    }
                    else
                    {
                        json.WriteStringValue(double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
                    }
                }

                json.WriteEndArray();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
