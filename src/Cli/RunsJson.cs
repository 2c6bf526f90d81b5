using System.Text.Json;
using System.Text.Json.Serialization;

namespace Jaqmc.Cli;

/// <summary>What <c>jaqmc runs --json</c> prints for each run (camelCase, indented; a NaN energy is null).</summary>
internal sealed record RunsJson(
    string Name, string Source, string? Path, string Status, DateTimeOffset Updated, double? LastEnergy, long Spooled, long SpooledStageChanges, IReadOnlyList<RunsJson.Stage> Stages)
{
    /// <summary>One stage of a run.</summary>
    public sealed record Stage(string Name, string? Status, long? LastStep, double? LastEnergy, List<long> Checkpoints);
}

/// <summary>The source-generated serializer of <see cref="RunsJson"/> (no reflection: the NativeAOT build).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(List<RunsJson>))]
internal sealed partial class RunsJsonContext : JsonSerializerContext;
