using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Jaqmc.Cli;

/// <summary>
/// <c>run.json</c> in a run's working directory: the run's effective configuration (the snapshot PostgreSQL keeps in
/// <c>runs.config</c>, connection strings and passwords left out), written when a run starts a stage, so that
/// <c>jaqmc show</c> reports what the run was trained with.
/// </summary>
internal static class RunSettingsFile
{
    /// <summary>The file's name.</summary>
    public const string FileName = "run.json";

    /// <summary>The file of the run in <paramref name="directory"/>.</summary>
    public static string PathIn(string directory) => Path.Combine(directory, FileName);

    /// <summary>Writes <paramref name="json"/> (a JSON object) indented, replacing the file in one step.</summary>
    public static async Task WriteAsync(string directory, string json, CancellationToken cancellationToken)
    {
        var node = JsonNode.Parse(json) ?? new JsonObject();
        using var buffer = new MemoryStream();
        await using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            node.WriteTo(writer);
        }

        buffer.WriteByte((byte)'\n');
        var path = PathIn(directory);
        var temporary = path + ".tmp";
        await File.WriteAllBytesAsync(temporary, buffer.ToArray(), cancellationToken).ConfigureAwait(false);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>The settings under <paramref name="sections"/>, as <c>Section:Key = value</c> pairs in file order.</summary>
    /// <exception cref="JsonException">The text is not a JSON object.</exception>
    public static IReadOnlyList<(string Key, string Value)> Flatten(string json, IEnumerable<string> sections)
    {
        var root = JsonNode.Parse(json) as JsonObject ?? throw new JsonException("not a JSON object");
        var settings = new List<(string, string)>();
        foreach (var section in sections)
        {
            if (root[section] is { } node)
            {
                Flatten(node, section, settings);
            }
        }

        return settings;
    }

    private static void Flatten(JsonNode node, string path, List<(string, string)> settings)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, child) in obj)
                {
                    if (child is not null)
                    {
                        Flatten(child, $"{path}:{key}", settings);
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is { } item)
                    {
                        Flatten(item, $"{path}:{i}", settings);
                    }
                }

                break;
            default:
                settings.Add((path, node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : node.ToJsonString()));
                break;
        }
    }

    /// <summary>The file's text, or null when the run has none (runs from before the file existed).</summary>
    public static async Task<string?> TryReadAsync(string directory, CancellationToken cancellationToken)
    {
        var path = PathIn(directory);
        try
        {
            return await File.ReadAllTextAsync(path, Encoding.UTF8, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }
}
