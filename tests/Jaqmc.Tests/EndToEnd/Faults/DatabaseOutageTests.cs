using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Jaqmc.Tests.EndToEnd.Faults;

/// <summary>
/// Scenario 3: the database goes away in the middle of a run and comes back. Each test stops a server of its own
/// (<see cref="PrivatePostgres"/>), so tests using the shared server are not affected.
/// </summary>
public sealed partial class DatabaseOutageTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ShortOutage_IsLoggedOnceAndRecovered_AndPostgresEndsEqualToCsv()
    {
        var watch = Stopwatch.StartNew();
        await using var db = await PrivatePostgres.StartAsync();
        var dir = FaultProfile.NewDirectory("outage-short");
        const int steps = 3000;

        // About 30 s of steps (10 ms each): the 10 s outage falls early, and the uploader's next attempt after the
        // database returns (backoff at most Retry:MaxDelay, 10 s) comes well before the run ends. A run that ends
        // while the uploader still backs off leaves the rest spooled for the next start or `jaqmc sync` (see
        // SpoolOutageTests), which is not what this test is about.
        using var p = JaqmcProcess.Start(SyntheticArguments(dir, db.ConnectionString, steps, "00:00:00.010"));
        await WaitForCsvRowsAsync(p, dir, 200);
        await db.StopAsync();
        var outage = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(10));
        await db.StartAgainAsync();
        outage.Stop();
        await p.WaitAsync(TimeSpan.FromMinutes(3));

        var log = p.Stdout + p.Stderr;
        Assert.True(p.ExitCode == 0, $"exit {p.ExitCode}:\n{log}");
        var failed = OutageStart().Matches(log);
        var recovered = Recovery().Matches(log);
        Assert.True(failed.Count == 1, $"expected one 'Writer Postgres: ... failed ... retrying' line, found {failed.Count}:\n{log}");
        Assert.True(recovered.Count == 1, $"expected one 'Writer Postgres recovered after N s' line, found {recovered.Count}:\n{log}");
        var rows = await AssertPostgresEqualsCsvAsync(db.ConnectionString, dir, steps);
        output.WriteLine($"FIGURES outage-short: outage={outage.Elapsed.TotalSeconds:F1}s reported='{recovered[0].Value}' rowsCompared={rows} runtime={watch.Elapsed.TotalSeconds:F0}s");
    }

    /// <remarks>
    /// Without the spool (<c>Spool:Enabled=false</c>) the writer is on the flush barrier's path, and backpressure is
    /// what keeps it from losing records. With the spool training goes on: see <see cref="SpoolOutageTests"/>.
    /// </remarks>
    [Fact]
    public async Task OutageLongerThanTheQueues_WithoutTheSpool_PausesTraining_AndNothingIsLost()
    {
        var watch = Stopwatch.StartNew();
        await using var db = await PrivatePostgres.StartAsync();
        var dir = FaultProfile.NewDirectory("outage-long");
        const int steps = 2000;
        using var p = JaqmcProcess.Start(
        [
            .. SyntheticArguments(dir, db.ConnectionString, steps, "00:00:00.002"),
            "--Writers:Postgres:QueueCapacity=64",
            "--Pipeline:Capacity=64",
            "--Pipeline:FullMode=Wait",
            "--Writers:Postgres:Spool:Enabled=false",
        ]);
        await WaitForCsvRowsAsync(p, dir, 100);
        await db.StopAsync();
        var outage = Stopwatch.StartNew();

        // Both queues (64 + 64 records) fill within a second; then the producer must wait and the CSV stop growing.
        await Task.Delay(TimeSpan.FromSeconds(4));
        var pausedAt = CsvRows(dir);
        await Task.Delay(TimeSpan.FromSeconds(4));
        var stillAt = CsvRows(dir);
        Assert.False(p.HasExited, "the run ended while the database was down");
        Assert.True(pausedAt == stillAt, $"training went on while the database was down and the queues were full: CSV rows {pausedAt} -> {stillAt}");
        Assert.True(stillAt < steps, $"all {steps} steps were written although the database was down");
        await db.StartAgainAsync();
        outage.Stop();
        await p.WaitAsync(TimeSpan.FromMinutes(3));

        var log = p.Stdout + p.Stderr;
        Assert.True(p.ExitCode == 0, $"exit {p.ExitCode}:\n{log}");
        Assert.Single(Recovery().Matches(log));
        var rows = await AssertPostgresEqualsCsvAsync(db.ConnectionString, dir, steps);
        output.WriteLine($"FIGURES outage-long: outage={outage.Elapsed.TotalSeconds:F1}s pausedAtCsvRow={stillAt} rowsCompared={rows} runtime={watch.Elapsed.TotalSeconds:F0}s");
    }

    private static List<string> SyntheticArguments(string dir, string connectionString, int steps, string stepDelay) =>
    [
        "--Run:WorkingDirectory=" + dir,
        "--Training:Producer=Synthetic",
        "--Training:Iterations=" + steps.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--Synthetic:StepDelay=" + stepDelay,
        "--Writers:Hdf5:Enabled=false",
        "--Writers:Console:Enabled=false",
        "--Writers:Csv:FlushInterval=00:00:00.050",
        .. FaultProfile.PostgresArguments(connectionString, "jaqmc", "outage"),
    ];

    private static async Task WaitForCsvRowsAsync(JaqmcProcess p, string dir, int rows)
    {
        var clock = Stopwatch.StartNew();
        while (CsvRows(dir) < rows)
        {
            Assert.False(p.HasExited, $"the run ended early ({p.Stdout}{p.Stderr})");
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(1), $"fewer than {rows} CSV rows after a minute");
            await Task.Delay(50);
        }
    }

    private static int CsvRows(string dir)
    {
        var path = Path.Combine(dir, "train_stats.csv");
        if (!File.Exists(path))
        {
            return 0;
        }

        // Shared read: the writer has the file open.
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var count = 0;
        int b;
        while ((b = stream.ReadByte()) >= 0)
        {
            count += b == '\n' ? 1 : 0;
        }

        return Math.Max(0, count - 1);
    }

    private static async Task<int> AssertPostgresEqualsCsvAsync(string connectionString, string dir, int steps)
    {
        var csv = RunOutputs.CsvAsLongTable(dir);
        var postgres = await RunOutputs.ReadPostgresAsync(connectionString, "jaqmc", "outage");
        Assert.Equal(steps * 20, csv.Count);
        Assert.Equal(csv.Count, postgres.Count);
        for (var i = 0; i < csv.Count; i++)
        {
            Assert.True(csv[i] == postgres[i], $"row {i}: CSV has {csv[i]}, PostgreSQL {postgres[i]}");
        }

        return csv.Count;
    }

    [GeneratedRegex(@"Writer Postgres: .* failed .*retrying")]
    private static partial Regex OutageStart();

    [GeneratedRegex(@"Writer Postgres recovered after \d+(\.\d+)? s")]
    private static partial Regex Recovery();
}
