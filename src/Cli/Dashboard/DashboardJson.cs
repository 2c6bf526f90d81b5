using System.Text.Json;
using System.Text.Json.Nodes;

namespace Jaqmc.Cli.Dashboard;

/// <summary>
/// The JSON of the API (docs/dashboard.md): camelCase names; JSON has no NaN or infinity, so a non-finite value is
/// written as null (a gap in a chart).
/// </summary>
internal static class DashboardJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static object Run(DashboardRun run) => new
    {
        id = run.Id,
        name = run.Name,
        source = run.Source,
        host = run.Host,
        status = run.Status,
        stage = run.Stage,
        step = run.Step,
        energy = Finite(run.Energy),
        evaluation = run.Evaluation is { } e ? new { mean = Finite(e.Mean), error = Finite(e.Error), steps = e.Steps } : null,
        spooled = run.Spooled is { } spooled ? new { records = spooled.Records, stageChanges = spooled.StageChanges, bytes = spooled.Bytes, oldest = spooled.OldestRecord } : null,
        updated = run.Updated,
        stages = run.Stages.Select(s => new
        {
            name = s.Name,
            status = s.Status,
            firstStep = s.FirstStep,
            lastStep = s.LastStep,
            resumes = s.Resumes,
            checkpoints = s.Checkpoints,
        }),
    };

    public static object Detail(RunDetail detail) => new
    {
        run = Run(detail.Run),
        config = detail.Config ?? (JsonNode?)null,
        keys = detail.Keys,
        walkers = detail.Walkers,
        files = detail.Files.Select(f => new { name = f.Name, bytes = f.Bytes }),
    };

    public static object Curve(CurveQuery query, CurveBuckets curve) => new
    {
        run = query.Run,
        stage = query.Stage,
        key = query.Key,
        from = query.From,
        to = query.To,
        since = query.Since is { } since ? CurveBuckets.AlignedTo(since, curve.StepsPerBucket) : (long?)null,
        stepsPerBucket = curve.StepsPerBucket,
        step = curve.Step,
        lastStep = curve.LastStep,
        count = curve.Count,
        min = Finite(curve.Min),
        max = Finite(curve.Max),
        mean = Finite(curve.Mean),
        last = Finite(curve.Last),
    };

    public static object Live(LiveUpdate update) => new
    {
        full = update.Full,
        runs = update.Runs.Select(Run),
        removed = update.Removed,
        errors = update.Errors.Select(Error),
    };

    public static object Error(SourceError error) => new { source = error.Source, error = error.Error };

    private static double? Finite(double? value) => value is { } v && double.IsFinite(v) ? v : null;

    private static double?[] Finite(double[] values) => Array.ConvertAll(values, v => double.IsFinite(v) ? v : (double?)null);
}
