using System.Text.Json.Nodes;

namespace Jaqmc.Cli.Dashboard;

/// <summary>The API's JSON objects as records (docs/dashboard.md names each field); <see cref="DashboardJson"/> builds them.</summary>
internal static class DashboardJsonShapes
{
    /// <summary>A row of the runs list (<c>/api/runs</c>, <c>/api/live</c>, <c>/api/run</c>).</summary>
    public sealed record RunJson(
        string Id,
        string Name,
        string Source,
        string? Host,
        string Status,
        string? Stage,
        long? Step,
        double? Energy,
        EvaluationJson? Evaluation,
        SpooledJson? Spooled,
        DateTimeOffset Updated,
        StageJson[] Stages);

    /// <summary>The evaluation energy and its error.</summary>
    public sealed record EvaluationJson(double? Mean, double? Error, int Steps);

    /// <summary>A run directory's PostgreSQL spool backlog.</summary>
    public sealed record SpooledJson(long Records, long StageChanges, long Bytes, DateTimeOffset? Oldest);

    /// <summary>A stage of a run.</summary>
    public sealed record StageJson(string Name, string? Status, long? FirstStep, long? LastStep, IReadOnlyList<long> Resumes, IReadOnlyList<long> Checkpoints);

    /// <summary><c>/api/runs</c>.</summary>
    public sealed record RunListJson(RunJson[] Runs, ErrorJson[] Errors);

    /// <summary><c>/api/run</c>.</summary>
    public sealed record DetailJson(RunJson Run, JsonNode? Config, IReadOnlyDictionary<string, IReadOnlyList<string>> Keys, int? Walkers, FileJson[] Files);

    /// <summary>A run directory's file.</summary>
    public sealed record FileJson(string Name, long Bytes);

    /// <summary><c>/api/curve</c>.</summary>
    public sealed record CurveJson(
        string Run,
        string Stage,
        string Key,
        long? From,
        long? To,
        long? Since,
        long StepsPerBucket,
        long[] Step,
        long[] LastStep,
        long[] Count,
        double?[] Min,
        double?[] Max,
        double?[] Mean,
        double?[] Last);

    /// <summary>An event of <c>/api/live</c>.</summary>
    public sealed record LiveJson(bool Full, RunJson[] Runs, IReadOnlyList<string> Removed, ErrorJson[] Errors);

    /// <summary>A source that could not be read.</summary>
    public sealed record ErrorJson(string Source, string Error);

    /// <summary>A refused request: <c>{"error": "..."}</c>.</summary>
    public sealed record RefusalJson(string Error);
}
