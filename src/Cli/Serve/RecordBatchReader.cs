using System.Globalization;
using System.Text;
using System.Text.Json;
using Jaqmc.Sinks;

namespace Jaqmc.Cli.Serve;

/// <summary>
/// Parses a batch body, <c>{"keys": ["total_energy", ...], "rows": [[step, v1, v2, ...], ...]}</c>, checking every
/// field before anything is written. A value is a JSON number or one of the strings <c>"NaN"</c>,
/// <c>"Infinity"</c>, <c>"-Infinity"</c> (JSON has no literal for them).
/// </summary>
internal static class RecordBatchReader
{
    /// <exception cref="BadRequestException">A field breaks a rule; the message names it.</exception>
    public static RecordBatch Read(ReadOnlySpan<byte> body, ServeOptions limits)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 8 });
        try
        {
            return ReadCore(ref reader, limits);
        }
        catch (JsonException e)
        {
            throw new BadRequestException($"body must be JSON of the form {{\"keys\": [...], \"rows\": [[step, values...], ...]}} ({e.Message.TrimEnd('.')})");
        }
    }

    private static RecordBatch ReadCore(ref Utf8JsonReader reader, ServeOptions limits)
    {
        Expect(ref reader, JsonTokenType.StartObject, "body");
        List<string>? keys = null;
        StatsKeys? keySet = null;
        List<long>? steps = null;
        List<double[]>? rows = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var property = reader.GetString();
            switch (property)
            {
                case "keys":
                    keys = ReadKeys(ref reader, limits);
                    keySet = ToKeySet(keys);
                    break;
                case "rows":
                    if (keys is null)
                    {
                        throw new BadRequestException("keys must come before rows in the body");
                    }

                    (steps, rows) = ReadRows(ref reader, keys.Count, limits);
                    break;
                default:
                    reader.Read();
                    reader.Skip();
                    break;
            }
        }

        if (keySet is null || steps is null || rows is null)
        {
            throw new BadRequestException($"body must hold both 'keys' and 'rows' (got {(keySet is null ? "no keys" : "no rows")})");
        }

        return new RecordBatch(keySet, steps.ToArray(), rows.ToArray());
    }

    private static List<string> ReadKeys(ref Utf8JsonReader reader, ServeOptions limits)
    {
        reader.Read();
        Expect(ref reader, JsonTokenType.StartArray, "keys");
        var keys = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var field = $"keys[{keys.Count}]";
            Expect(ref reader, JsonTokenType.String, field);
            var key = reader.GetString()!;
            if (key.Length == 0 || key.Length > limits.MaxKeyLength)
            {
                throw new BadRequestException($"{field} must be 1 to {limits.MaxKeyLength} characters long (got {key.Length})");
            }

            if (key.Any(char.IsControl) || key == "step")
            {
                throw new BadRequestException($"{field} must not be 'step' nor hold control characters (got '{Printable(key)}')");
            }

            keys.Add(key);
            if (keys.Count > limits.MaxKeys)
            {
                throw new BadRequestException($"keys must hold at most {limits.MaxKeys} names (got more)");
            }
        }

        if (keys.Count == 0)
        {
            throw new BadRequestException("keys must hold at least one name (got [])");
        }

        return keys;
    }

    private static StatsKeys ToKeySet(List<string> keys)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < keys.Count; i++)
        {
            if (!seen.Add(keys[i]))
            {
                throw new BadRequestException($"keys[{i}] must not repeat a key (got '{Printable(keys[i])}' twice)");
            }
        }

        return new StatsKeys(keys);
    }

    private static (List<long> Steps, List<double[]> Rows) ReadRows(ref Utf8JsonReader reader, int keyCount, ServeOptions limits)
    {
        reader.Read();
        Expect(ref reader, JsonTokenType.StartArray, "rows");
        var steps = new List<long>();
        var rows = new List<double[]>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var row = rows.Count;
            if (row >= limits.MaxRecordsPerBatch)
            {
                throw new BadRequestException($"rows must hold at most {limits.MaxRecordsPerBatch} records (got more)");
            }

            Expect(ref reader, JsonTokenType.StartArray, $"rows[{row}]");
            reader.Read();
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var step) || step < 0)
            {
                throw new BadRequestException($"rows[{row}][0] (the step) must be a whole number ≥ 0 (got {Token(ref reader)})");
            }

            if (steps.Count > 0 && step <= steps[^1])
            {
                throw new BadRequestException($"rows[{row}][0] (the step) must be greater than the previous row's step {steps[^1]} (got {step})");
            }

            var values = new double[keyCount];
            var i = 0;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (i == keyCount)
                {
                    throw new BadRequestException($"rows[{row}] must hold the step and {keyCount} values, one per key (got more)");
                }

                values[i] = ReadValue(ref reader, row, i + 1);
                i++;
            }

            if (i != keyCount)
            {
                throw new BadRequestException($"rows[{row}] must hold the step and {keyCount} values, one per key (got {i} values)");
            }

            steps.Add(step);
            rows.Add(values);
        }

        return (steps, rows);
    }

    private static double ReadValue(ref Utf8JsonReader reader, int row, int column)
    {
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out var value))
        {
            return value;
        }

        if (reader.TokenType == JsonTokenType.String)
        {
            switch (reader.GetString())
            {
                case "NaN": return double.NaN;
                case "Infinity": return double.PositiveInfinity;
                case "-Infinity": return double.NegativeInfinity;
            }
        }

        throw new BadRequestException($"rows[{row}][{column}] must be a number, \"NaN\", \"Infinity\" or \"-Infinity\" (got {Token(ref reader)})");
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type, string field)
    {
        if (reader.TokenType == JsonTokenType.None)
        {
            reader.Read();
        }

        if (reader.TokenType != type)
        {
            throw new BadRequestException($"{field} must be {Describe(type)} (got {Token(ref reader)})");
        }
    }

    private static string Describe(JsonTokenType type) => type switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        _ => type.ToString(),
    };

    private static string Token(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => $"'{Printable(reader.GetString() ?? string.Empty)}'",
        JsonTokenType.Number => Encoding.UTF8.GetString(reader.ValueSpan),
        JsonTokenType.StartArray => "an array",
        JsonTokenType.StartObject => "an object",
        JsonTokenType.EndArray => "the end of the array",
        _ => reader.TokenType.ToString().ToLowerInvariant(),
    };

    private static string Printable(string s)
    {
        var shown = s.Length > 64 ? s[..64] + "…" : s;
        var builder = new StringBuilder(shown.Length);
        foreach (var c in shown)
        {
            builder.Append(char.IsControl(c) ? string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}") : c);
        }

        return builder.ToString();
    }
}
