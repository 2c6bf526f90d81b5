using System.Text.Json;

namespace Jaqmc.Cli.Dashboard;

/// <summary>
/// The JSON of the API (docs/dashboard.md): camelCase names; JSON has no NaN or infinity, so a non-finite value is
/// written as null (a gap in a chart). The shapes are the records of <see cref="DashboardJsonShapes"/>, serialized by
/// source-generated code (<see cref="DashboardJsonContext"/>): no reflection and no JIT of serializers at a
/// process's first request, beside a training run.
/// </summary>
internal static class DashboardJson
{
    /// <summary>The serializers, with web defaults and non-ASCII text (run names, paths) written as it is.</summary>
    public static DashboardJsonContext Context { get; } = new(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    public static DashboardJsonShapes.RunJson Run(DashboardRun run) => new(
        run.Id,
        run.Name,
        run.Source,
        run.Host,
        run.Status,
        run.Stage,
        run.Step,
        Finite(run.Energy),
        run.Evaluation is { } e ? new DashboardJsonShapes.EvaluationJson(Finite(e.Mean), Finite(e.Error), e.Steps) : null,
        run.Spooled is { } spooled ? new DashboardJsonShapes.SpooledJson(spooled.Records, spooled.StageChanges, spooled.Bytes, spooled.OldestRecord) : null,
        run.Updated,
        [.. run.Stages.Select(s => new DashboardJsonShapes.StageJson(s.Name, s.Status, s.FirstStep, s.LastStep, s.Resumes, s.Checkpoints))]);

    public static DashboardJsonShapes.RunListJson Runs(IEnumerable<DashboardRun> runs, IReadOnlyList<SourceError> errors) =>
        new([.. runs.Select(Run)], [.. errors.Select(Error)]);

    public static DashboardJsonShapes.DetailJson Detail(RunDetail detail) => new(
        Run(detail.Run),
        detail.Config,
        detail.Keys,
        detail.Walkers,
        [.. detail.Files.Select(f => new DashboardJsonShapes.FileJson(f.Name, f.Bytes))]);

    public static DashboardJsonShapes.CurveJson Curve(CurveQuery query, CurveBuckets curve) => new(
        query.Run,
        query.Stage,
        query.Key,
        query.From,
        query.To,
        query.Since is { } since ? CurveBuckets.AlignedTo(since, curve.StepsPerBucket) : null,
        curve.StepsPerBucket,
        curve.Step,
        curve.LastStep,
        curve.Count,
        Finite(curve.Min),
        Finite(curve.Max),
        Finite(curve.Mean),
        Finite(curve.Last));

    public static DashboardJsonShapes.LiveJson Live(LiveUpdate update) =>
        new(update.Full, [.. update.Runs.Select(Run)], update.Removed, [.. update.Errors.Select(Error)]);

    public static DashboardJsonShapes.ErrorJson Error(SourceError error) => new(error.Source, error.Error);

    private static double? Finite(double? value) => value is { } v && double.IsFinite(v) ? v : null;

    private static double?[] Finite(double[] values) => Array.ConvertAll(values, v => double.IsFinite(v) ? v : (double?)null);
}
