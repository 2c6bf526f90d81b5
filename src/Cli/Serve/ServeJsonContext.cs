using System.Text.Json;
using System.Text.Json.Serialization;

namespace Jaqmc.Cli.Serve;

/// <summary>
/// The source-generated serializers of <c>jaqmc serve</c>'s JSON (snake_case): the answers of the HTTP API and the
/// <c>{stage}_stream.json</c> state files, generated at compile time so the NativeAOT build needs no reflection.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ServeJsonShapes.StreamListJson))]
[JsonSerializable(typeof(ServeJsonShapes.OpenedJson))]
[JsonSerializable(typeof(ServeJsonShapes.DurableJson))]
[JsonSerializable(typeof(ServeJsonShapes.ErrorJson))]
[JsonSerializable(typeof(StreamStateFile.StreamState))]
internal sealed partial class ServeJsonContext : JsonSerializerContext
{
    /// <summary>For error bodies: messages quote what the client sent, kept readable (no \u escapes of quotes or non-ASCII).</summary>
    public static ServeJsonContext Relaxed { get; } = new(new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    /// <summary>For the state files, which people read: indented.</summary>
    public static ServeJsonContext Indented { get; } = new(new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true });
}
