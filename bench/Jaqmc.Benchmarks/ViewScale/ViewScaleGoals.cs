using System.Globalization;

namespace Jaqmc.Benchmarks.ViewScale;

/// <summary>
/// Issue #15's goals for the writer's own layout (schema <c>scale</c>), checked against this run's measurements and
/// printed last as a table and one verdict line. A goal covering several paths (a curve of any key over any range)
/// keeps the worst of them; a goal whose paths this run did not time (<c>--commands-only</c>, <c>--writer-only</c>)
/// reads "not measured".
/// </summary>
internal sealed class ViewScaleGoals
{
    public const string Values = "values in the database";
    public const string LatestOfOneRun = "latest values of one run";
    public const string LatestOfEveryRun = "latest values of every run";
    public const string RunsCommand = "`jaqmc runs -c`, whole command";
    public const string ShowCommand = "`jaqmc show`, whole command";
    public const string PlotCommand = "`jaqmc plot`, whole command";
    public const string Curve = "a 2,000-point curve of any key over any step range (the worst timed)";
    public const string WriterThroughput = "writer throughput, 20 keys";
    public const string DiskPerValue = "disk per value (stat_values and the summaries)";
    public const string ResumeDelete = "resume's delete of a 2,000-step tail";

    private readonly Goal[] _goals =
    [
        new(Values, 100_000_000, Relation: "≥", "values", "N0"),
        new(LatestOfOneRun, 20, Relation: "<", "ms", "F1"),
        new(LatestOfEveryRun, 200, Relation: "<", "ms", "F1"),
        new(RunsCommand, 300, Relation: "<", "ms", "F0"),
        new(ShowCommand, 300, Relation: "<", "ms", "F0"),
        new(PlotCommand, 1_000, Relation: "<", "ms", "F0"),
        new(Curve, 100, Relation: "<", "ms", "F1"),
        new(WriterThroughput, 20_000, Relation: "≥", "records/s", "N0"),
        new(DiskPerValue, 85, Relation: "≤", "B", "F1"),
        new(ResumeDelete, 50, Relation: "<", "ms", "F1"),
    ];

    /// <summary>Records a measurement of <paramref name="goal"/>; of several, the worst counts.</summary>
    public void Measured(string goal, double value)
    {
        var entry = _goals.Single(g => g.Path == goal);
        entry.Worst = entry.Worst is not { } worst ? value : entry.Relation == "≥" ? Math.Min(worst, value) : Math.Max(worst, value);
    }

    /// <summary>Prints the table and the verdict.</summary>
    public void Report(Action<string> line, string commandsBuild, int plotRunSteps)
    {
        line(string.Create(CultureInfo.InvariantCulture, $"\n## Goals (schema scale, the writer's layout; whole commands of {commandsBuild}; `plot` of a {plotRunSteps:N0}-step run)"));
        line("| path | goal | measured | |");
        line("|---|---|---|---|");
        foreach (var goal in _goals)
        {
            var limit = string.Create(CultureInfo.InvariantCulture, $"{goal.Relation} {goal.Limit.ToString("#,0.##", CultureInfo.InvariantCulture)} {goal.Unit}");
            var measured = goal.Worst is { } worst ? $"{worst.ToString(goal.Format, CultureInfo.InvariantCulture)} {goal.Unit}" : "—";
            line($"| {goal.Path} | {limit} | {measured} | {Verdict(goal)} |");
        }

        var timed = _goals.Where(g => g.Worst is not null).ToArray();
        var missed = timed.Where(g => !g.IsMet).Select(g => g.Path).ToArray();
        var untimed = _goals.Where(g => g.Worst is null).Select(g => g.Path).ToArray();
        line(missed.Length == 0 && untimed.Length == 0
            ? $"Goals: every goal met ({timed.Length} of {_goals.Length})."
            : $"Goals: {timed.Length - missed.Length} of {_goals.Length} met" +
              (missed.Length > 0 ? $"; not met: {string.Join("; ", missed)}" : "") +
              (untimed.Length > 0 ? $"; not measured in this run: {string.Join("; ", untimed)}" : "") + ".");
    }

    private static string Verdict(Goal goal) => goal.Worst is null ? "not measured" : goal.IsMet ? "met" : "**not met**";

    /// <summary>A goal: <see cref="Relation"/> is "&lt;", "≤" or "≥" the <see cref="Limit"/>.</summary>
    private sealed record Goal(string Path, double Limit, string Relation, string Unit, string Format)
    {
        public double? Worst { get; set; }

        public bool IsMet => Worst is { } worst && Relation switch
        {
            "≥" => worst >= Limit,
            "≤" => worst <= Limit,
            _ => worst < Limit,
        };
    }
}
