namespace Jaqmc.Benchmarks.ViewScale;

/// <summary>
/// The database the view-scale benchmark builds: <paramref name="Runs"/> runs of <paramref name="Steps"/> train steps
/// and one long run of <paramref name="LongRunSteps"/>, each with an evaluation stage, every step holding
/// <paramref name="Keys"/> values.
/// </summary>
internal sealed record ScaleShape(int Runs, int Steps, int LongRunSteps, int EvaluationSteps, int Keys)
{
    /// <summary>The long run's name (for export's flat-memory check).</summary>
    public const string LongRun = "long-run";

    public IEnumerable<string> RunNames() =>
        Enumerable.Range(1, Runs).Select(i => $"run-{i:D3}").Concat(LongRunSteps > 0 ? [LongRun] : []);

    public int StepsOf(string run) => run == LongRun ? LongRunSteps : Steps;

    public long Values => ((((long)Runs * Steps) + LongRunSteps) + ((long)(Runs + (LongRunSteps > 0 ? 1 : 0)) * EvaluationSteps)) * Keys;
}
