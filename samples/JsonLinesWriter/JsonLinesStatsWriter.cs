using System.Text;
using System.Text.Json;
using Jaqmc.Sinks;

namespace Jaqmc.Samples.JsonLines;

/// <summary>
/// A small custom writer: one JSON object per step, <c>{"step":12,"total_energy":-2.9,...}</c>, in
/// <c>{stage}_stats.jsonl</c>. Non-finite values are written as the strings "NaN", "Infinity", "-Infinity".
/// </summary>
public sealed class JsonLinesStatsWriter : StatsWriter
{
    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = false };
    private static readonly JsonSerializerOptions ReadOptions = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    private readonly JsonLinesWriterOptions _options;
    private readonly HashSet<string>? _only;
    private FileStream? _file;
    private readonly MemoryStream _buffer = new();

    /// <summary>Creates the writer. No file is touched here: that happens in <see cref="OnOpenAsync"/>.</summary>
    public JsonLinesStatsWriter(JsonLinesWriterOptions options)
    {
        _options = options;
        var keys = options.Keys.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        _only = keys.Length == 0 ? null : keys.ToHashSet(StringComparer.Ordinal);
    }

    /// <inheritdoc />
    protected override async ValueTask OnOpenAsync(WriterContext context, CancellationToken cancellationToken)
    {
        var path = StagePath.Resolve(_options.PathTemplate, context.WorkingDirectory, context.Stage);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (File.Exists(path))
        {
            // Resumption: keep only the lines of steps before initial_step (and drop a torn last line).
            var kept = new StringBuilder();
            foreach (var line in await File.ReadAllLinesAsync(path, cancellationToken).ConfigureAwait(false))
            {
                if (TryReadStep(line, out var step) && step < context.InitialStep)
                {
                    kept.Append(line).Append('\n');
                }
            }

            var temp = path + ".tmp";
            await File.WriteAllTextAsync(temp, kept.ToString(), cancellationToken).ConfigureAwait(false);
            File.Move(temp, path, overwrite: true);
        }

        _file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
    }

    /// <inheritdoc />
    protected override async ValueTask OnWriteAsync(IReadOnlyList<StatsRecord> batch, CancellationToken cancellationToken)
    {
        // Format the whole batch in memory, then one write: fast, and a retry never leaves half a batch.
        _buffer.SetLength(0);
        foreach (var record in batch)
        {
            using (var json = new Utf8JsonWriter(_buffer, WriterOptions))
            {
                json.WriteStartObject();
                json.WriteNumber("step", record.Step);
                for (var i = 0; i < record.Keys.Count; i++)
                {
                    if (_only is not null && !_only.Contains(record.Keys[i]))
                    {
                        continue;
                    }

                    var value = record.Values[i];
                    if (double.IsFinite(value))
                    {
                        json.WriteNumber(record.Keys[i], value);
                    }
                    else
                    {
                        json.WriteString(record.Keys[i], double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
                    }
                }

                json.WriteEndObject();
            }

            _buffer.WriteByte((byte)'\n');
        }

        var before = _file!.Length;
        try
        {
            await _file.WriteAsync(_buffer.GetBuffer().AsMemory(0, (int)_buffer.Length), cancellationToken).ConfigureAwait(false);
            await _file.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _file.SetLength(before);
            throw;
        }
    }

    /// <inheritdoc />
    protected override async ValueTask OnFlushAsync(CancellationToken cancellationToken) =>
        await _file!.FlushAsync(cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    protected override async ValueTask OnCloseAsync(StageOutcome outcome, CancellationToken cancellationToken)
    {
        await _file!.FlushAsync(cancellationToken).ConfigureAwait(false);
        await _file.DisposeAsync().ConfigureAwait(false);
        _file = null;
    }

    /// <inheritdoc />
    protected override async ValueTask DisposeCoreAsync()
    {
        if (_file is not null)
        {
            await _file.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Reads a file written by this writer (for tests and notebooks).</summary>
    public static IEnumerable<(long Step, Dictionary<string, double> Values)> Read(string path)
    {
        foreach (var line in File.ReadLines(path))
        {
            var values = JsonSerializer.Deserialize<Dictionary<string, double>>(line, ReadOptions)!;
            var step = (long)values["step"];
            values.Remove("step");
            yield return (step, values);
        }
    }

    private static bool TryReadStep(string line, out long step)
    {
        step = 0;
        try
        {
            using var doc = JsonDocument.Parse(line);
            return doc.RootElement.TryGetProperty("step", out var s) && s.TryGetInt64(out step);
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
