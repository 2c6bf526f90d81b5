using System.Globalization;

namespace Jaqmc.Tests.EndToEnd.Faults;

/// <summary>
/// The size of the fault runs: small by default so CI stays within minutes on 2 cores; <c>JAQMC_SOAK=1</c> selects
/// longer runs and 100+ kills. <c>JAQMC_FAULT_SEED</c> replays a failed run's kill schedule.
/// </summary>
internal static class FaultProfile
{
    public static bool Soak { get; } = Environment.GetEnvironmentVariable("JAQMC_SOAK") == "1";

    public static int TrainIterations => Soak ? 4000 : 400;

    public static int EvaluationIterations => Soak ? 1000 : 100;

    /// <summary>
    /// The kill test's training steps: more than the other scenarios', so that a life lasts well beyond the lag
    /// between a step and the test seeing its console line (the run takes well under a second at 256 walkers).
    /// </summary>
    public static int KillTrainIterations => Soak ? 4000 : 1000;

    /// <summary>The kill test's evaluation steps.</summary>
    public static int KillEvaluationIterations => Soak ? 1000 : 200;

    /// <summary>Overrides (later arguments win) that give a run the kill test's length.</summary>
    public static string[] KillRunLength =>
    [
        "--Training:Iterations=" + KillTrainIterations.ToString(CultureInfo.InvariantCulture),
        "--Evaluation:Iterations=" + KillEvaluationIterations.ToString(CultureInfo.InvariantCulture),
    ];

    public static int Walkers => 256;

    public static int CheckpointEvery => 50;

    public static int MinimumKills => Soak ? 100 : 10;

    /// <summary>A seed for the kill schedule: the given one, or a fresh one the test prints.</summary>
    public static int Seed()
    {
        var given = Environment.GetEnvironmentVariable("JAQMC_FAULT_SEED");
        return given is { Length: > 0 } ? int.Parse(given, CultureInfo.InvariantCulture) : Random.Shared.Next();
    }

    /// <summary>A fresh directory under the temp directory (not created: the program creates a missing one).</summary>
    public static string NewDirectory(string scenario) =>
        Path.Combine(Path.GetTempPath(), "jaqmc-faults", scenario + "-" + Guid.NewGuid().ToString("N")[..12]);

    /// <summary>The arguments of a small He training + evaluation in <paramref name="directory"/>.</summary>
    public static List<string> HeArguments(string directory, params string[] extra)
    {
        List<string> args =
        [
            "--Run:WorkingDirectory=" + directory,
            "--Training:System=He",
            "--Training:Seed=7",
            "--Training:Walkers=" + Walkers.ToString(CultureInfo.InvariantCulture),
            "--Training:Iterations=" + TrainIterations.ToString(CultureInfo.InvariantCulture),
            "--Evaluation:Iterations=" + EvaluationIterations.ToString(CultureInfo.InvariantCulture),
            "--Training:CheckpointEvery=" + CheckpointEvery.ToString(CultureInfo.InvariantCulture),

            // A console line every 10 steps, passed on within 5 ms, lets a test see how far a run got.
            "--Writers:Console:Interval=10",
            "--Pipeline:DispatchInterval=00:00:00.005",

            // A small interval keeps the CSV and HDF5 files close behind training, so kills hit mid-write more often.
            "--Writers:Csv:FlushInterval=00:00:00.050",
            "--Writers:Hdf5:FlushInterval=00:00:00.050",
        ];
        args.AddRange(extra);
        return args;
    }

    /// <summary>The arguments that add the PostgreSQL writer with a schema and a run name of the test's own.</summary>
    public static string[] PostgresArguments(string connectionString, string schema, string runName) =>
    [
        "--ConnectionStrings:Stats=" + connectionString,
        "--Writers:Postgres:Schema=" + schema,
        "--Run:Name=" + runName,
    ];
}
