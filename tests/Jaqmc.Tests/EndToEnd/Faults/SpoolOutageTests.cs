using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Jaqmc.Tests.EndToEnd.Faults;

/// <summary>
/// The PostgreSQL writer's spool on the real program: a database outage neither slows training nor holds up a
/// checkpoint, a stop during one is quick and loses nothing, kills across one end exactly like an uninterrupted
/// run. Each test stops a server of its own (<see cref="PrivatePostgres"/>).
/// </summary>
public sealed partial class SpoolOutageTests(ITestOutputHelper output)
{
    private const int OutageSeconds = 60;
    private const int CheckpointEvery = 200;

    /// <summary>
    /// The issue asks for under 3 s. Measured: 0.36 s at a load average of 40 on 2 cores, 1.90 s with two more
    /// CPU-bound processes beside it. Most of it is the process's own stop (the final checkpoint, the host, the
    /// runtime's exit), which a loaded CI machine stretches; 5 s leaves that room, and a stop that waited for the
    /// database (the shutdown timeout here is 60 s) would still fail it.
    /// </summary>
    private static readonly TimeSpan CtrlCBound = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task LongOutage_TrainingKeepsItsPace_CheckpointsGoOn_AndPostgresEndsEqualToCsv()
    {
        var watch = Stopwatch.StartNew();
        await using var db = await PrivatePostgres.StartAsync();
        var dir = FaultProfile.NewDirectory("spool-outage");

        // The stop drains the backlog while the database answers; on a busy machine that can outlast the default
        // 30 s shutdown timeout, which would leave the rest spooled (a different test's subject).
        using var p = JaqmcProcess.Start([.. EndlessHe(dir, db.ConnectionString), "--Pipeline:ShutdownTimeout=00:10:00"]);
        await WaitForCsvRowsAsync(p, dir, 500);

        // The pace before the outage, over the same kind of window, in the same process.
        var (rowsBefore, timeBefore) = (RunFiles.CsvRows(dir), Stopwatch.StartNew());
        await Task.Delay(TimeSpan.FromSeconds(15));
        var paceBefore = (RunFiles.CsvRows(dir) - rowsBefore) / timeBefore.Elapsed.TotalSeconds;

        await db.StopAsync();
        var (rowsAtStop, checkpointAtStop, outage) = (RunFiles.CsvRows(dir), RunFiles.NewestCheckpoint(dir), Stopwatch.StartNew());
        await Task.Delay(TimeSpan.FromSeconds(OutageSeconds));
        var (rowsAtEnd, checkpointAtEnd) = (RunFiles.CsvRows(dir), RunFiles.NewestCheckpoint(dir));
        var paceDuring = (rowsAtEnd - rowsAtStop) / outage.Elapsed.TotalSeconds;
        await db.StartAgainAsync();
        outage.Stop();

        await p.WaitForOutputAsync("Writer Postgres recovered after", TimeSpan.FromMinutes(2));
        p.Signal("TERM");
        await p.WaitAsync(TimeSpan.FromMinutes(12));
        var log = p.Stdout + p.Stderr;
        Assert.True(p.ExitCode == 0, $"exit {p.ExitCode}:\n{log}");
        Assert.True(SpooledLine().Matches(log).Count == 0, $"the run exited with records spooled although the database was back:\n{log}");

        // Before the spool a checkpoint waited for the database: 200 steps in 30 s instead of ~12,000. The issue's
        // "within 5 %" is measured side by side by `bench -- spool-outage`; here, on a machine that other tests
        // load unevenly, only a stall or a halving would be a fault of the spool.
        var ratio = paceDuring / paceBefore;
        Assert.True(
            checkpointAtEnd - checkpointAtStop >= 5 * CheckpointEvery,
            $"checkpoints stalled while the database was down: newest checkpoint {checkpointAtStop} -> {checkpointAtEnd} in {OutageSeconds} s ({paceDuring:F0} steps/s)");
        Assert.True(ratio > 0.5, $"training slowed to {ratio:P0} of its pace while the database was down ({paceBefore:F0} -> {paceDuring:F0} steps/s)");
        Assert.True(OutageStart().Matches(log).Count == 1, $"expected one outage line:\n{log}");
        Assert.True(Recovery().Matches(log).Count == 1, $"expected one recovery line:\n{log}");
        var values = await AssertPostgresEqualsCsvAsync(db.ConnectionString, dir);
        Assert.Empty(RunFiles.SpoolSegments(dir));
        output.WriteLine(Invariant(
            $"FIGURES spool-outage: steps/s before {paceBefore:F1}, during the {outage.Elapsed.TotalSeconds:F0} s outage {paceDuring:F1} (ratio {ratio:F3}); checkpoints {checkpointAtStop} -> {checkpointAtEnd}; {values} values compared; runtime {watch.Elapsed.TotalSeconds:F0} s"));
    }

    [Fact]
    public async Task CtrlCDuringAnOutage_ExitsAtOnceWithOneLine_AndSyncUploadsEverything()
    {
        await using var db = await PrivatePostgres.StartAsync();
        var dir = FaultProfile.NewDirectory("spool-ctrl-c");

        // A shutdown timeout far above the bound: a stop that waited for the database would show.
        using var p = JaqmcProcess.Start([.. EndlessHe(dir, db.ConnectionString), "--Pipeline:ShutdownTimeout=00:01:00"]);
        await WaitForCsvRowsAsync(p, dir, 300);
        await db.StopAsync();
        await p.WaitForOutputAsync("Writer Postgres: ", TimeSpan.FromMinutes(1));
        await WaitForCsvRowsAsync(p, dir, RunFiles.CsvRows(dir) + 500);

        var stopping = Stopwatch.StartNew();
        p.Signal("INT");
        await p.WaitAsync(TimeSpan.FromMinutes(2));
        stopping.Stop();
        var log = p.Stdout + p.Stderr;
        Assert.True(p.ExitCode == 0, $"exit {p.ExitCode}:\n{log}");
        Assert.True(stopping.Elapsed < CtrlCBound, $"Ctrl+C during the outage took {stopping.Elapsed.TotalSeconds:F1} s:\n{log}");
        var spooled = SpooledLine().Matches(log);
        Assert.True(spooled.Count == 1, $"expected one line saying how many records are spooled:\n{log}");
        Assert.NotEmpty(RunFiles.SpoolSegments(dir));

        // The backlog is visible without a database; syncing without one names the setting to give.
        using (var show = await JaqmcProcess.RunAsync(["show", dir]))
        {
            Assert.True(show.ExitCode == 0, $"jaqmc show exited {show.ExitCode}:\n{show.Stdout}\n{show.Stderr}");
            // The console wraps long lines (leaving a space before each break): compare with whitespace collapsed.
            var shown = WhiteSpace().Replace(show.Stdout, " ");
            Assert.Contains("spooled and not yet in PostgreSQL", shown, StringComparison.Ordinal);
            Assert.Matches(@"[1-9][\d,]* record\(s\) and [1-9]\d* stage open/close frame\(s\)", shown);
        }

        using (var runs = await JaqmcProcess.RunAsync(["runs", dir, "--json"]))
        {
            Assert.Matches($"\"path\": \"{Regex.Escape(dir)}\",(?s:.)*?\"spooled\": [1-9]", runs.Stdout);
        }

        using (var noDatabase = await JaqmcProcess.RunAsync(["sync", dir]))
        {
            Assert.True(noDatabase.ExitCode == 2, $"jaqmc sync without a database exited {noDatabase.ExitCode}:\n{noDatabase.Stdout}\n{noDatabase.Stderr}");
            Assert.Contains("ConnectionStrings:Stats", noDatabase.Stderr, StringComparison.Ordinal);
        }

        await db.StartAgainAsync();
        using var sync = await JaqmcProcess.RunAsync(["sync", dir, .. SpoolOn(db.ConnectionString, "jaqmc", "outage")]);
        Assert.True(sync.ExitCode == 0, $"jaqmc sync exited {sync.ExitCode}:\n{sync.Stdout}\n{sync.Stderr}");
        Assert.Contains("the spool is empty", sync.Stdout, StringComparison.Ordinal);
        var values = await AssertPostgresEqualsCsvAsync(db.ConnectionString, dir);
        Assert.Equal("interrupted", await RunOutputs.RunStatusAsync(db.ConnectionString, "jaqmc", "outage"));
        Assert.Empty(RunFiles.SpoolSegments(dir));
        output.WriteLine(Invariant($"FIGURES spool-ctrl-c: stop took {stopping.Elapsed.TotalSeconds:F2} s; '{spooled[0].Value}'; sync: {values} values"));
    }

    [Fact]
    public async Task KilledAgainAndAgainAcrossAnOutage_EndsEqualToTheUninterruptedRun()
    {
        var watch = Stopwatch.StartNew();
        await using var db = await PrivatePostgres.StartAsync();
        string[] length = ["--Training:Iterations=3000", "--Evaluation:Iterations=200", "--Writers:Postgres:Retry:MaxDelay=00:00:01"];
        var referenceDir = FaultProfile.NewDirectory("spool-kill-reference");
        using (var reference = JaqmcProcess.Start(FaultProfile.HeArguments(referenceDir, [.. SpoolOn(db.ConnectionString, "jaqmc", "reference"), .. length])))
        {
            await reference.WaitAsync(TimeSpan.FromMinutes(5));
            Assert.True(reference.ExitCode == 0, $"the uninterrupted run failed ({reference.ExitCode}):\n{reference.Stdout}\n{reference.Stderr}");
        }

        var seed = FaultProfile.Seed();
        output.WriteLine($"kill schedule seed {seed} (replay with JAQMC_FAULT_SEED={seed})");
        var random = new Random(seed);
        var dir = FaultProfile.NewDirectory("spool-kill");
        var args = FaultProfile.HeArguments(dir, [.. SpoolOn(db.ConnectionString, "jaqmc", "killed"), .. length]);
        var (kills, startupKills, killsInOutage, attempts) = (0, 0, 0, 0);
        var down = false;
        while (true)
        {
            Assert.True(++attempts < 60, $"no completion after {attempts} attempts (seed {seed})");

            // The database is away from the 4th life to the 8th: kills land while spooling, while the uploader
            // retries, right after it comes back (during the upload of the backlog) and in the resume itself.
            if (kills == 3 && !down)
            {
                await db.StopAsync();
                down = true;
            }
            else if (kills == 7 && down)
            {
                await db.StartAgainAsync();
                down = false;
            }

            using var p = JaqmcProcess.Start(args);
            var duringStartup = random.NextDouble() < 0.2;
            var startupDelay = random.Next(0, 400);
            var advance = random.Next(0, 160);
            var jitter = random.Next(0, 40);
            var exited = kills >= FaultProfile.MinimumKills
                ? await p.TryWaitAsync(TimeSpan.FromMinutes(5))
                : duringStartup
                    ? await p.TryWaitAsync(TimeSpan.FromMilliseconds(startupDelay))
                    : await ConsoleProgress.WaitForAdvanceAsync(p, advance) || await p.TryWaitAsync(TimeSpan.FromMilliseconds(jitter));
            if (exited)
            {
                Assert.True(p.ExitCode == 0, $"attempt {attempts} exited {p.ExitCode} after {kills} kills (seed {seed}):\n{p.Stdout}\n{p.Stderr}");
                if (kills >= FaultProfile.MinimumKills)
                {
                    break;
                }

                continue;
            }

            p.KillHard();
            kills++;
            startupKills += duringStartup ? 1 : 0;
            killsInOutage += down ? 1 : 0;
        }

        // What the last life could not upload before it exited (an upload still in its backoff) goes now.
        using (var sync = await JaqmcProcess.RunAsync(["sync", dir, .. SpoolOn(db.ConnectionString, "jaqmc", "killed")]))
        {
            Assert.True(sync.ExitCode == 0, $"jaqmc sync exited {sync.ExitCode}:\n{sync.Stdout}\n{sync.Stderr}");
        }

        var csvRows = RunOutputs.AssertSameCsv(referenceDir, dir);
        var values = await RunOutputs.AssertSamePostgresAsync(db.ConnectionString, "jaqmc", "reference", "jaqmc", "killed");
        Assert.Equal("completed", await RunOutputs.RunStatusAsync(db.ConnectionString, "jaqmc", "killed"));
        Assert.Empty(RunFiles.SpoolSegments(dir));
        output.WriteLine(Invariant(
            $"FIGURES spool-kill: seed={seed} kills={kills} (start-up {startupKills}, database down {killsInOutage}) attempts={attempts} csvRows={csvRows} postgresValues={values} runtime={watch.Elapsed.TotalSeconds:F0}s"));
    }

    [Fact]
    public async Task SpoolOnAFullDisk_StopsWithExit3AndOneClearLine_FilesStayConsistent_AndTheRunResumes()
    {
        var reference = await CompletedRun.DirectoryAsync();
        var dir = FaultProfile.NewDirectory("spool-disk-full");
        var spool = Path.Combine(dir + "-spool");
        Directory.CreateDirectory(spool);

        // 32 KiB for the spool; nothing is uploaded (no server listens on port 1), so it fills within the run.
        await using var mount = await TmpfsMount.TryMountAsync(spool, "size=32k");
        Assert.True(mount is not null, "the spool disk-full test needs `mount -t tmpfs` (root): run the tests as root, as scripts/test.sh does");
        string[] spoolArgs = ["--Writers:Postgres:Spool:Directory=" + spool, "--Writers:Hdf5:Enabled=false"];
        using (var full = JaqmcProcess.Start(FaultProfile.HeArguments(dir, [.. SpoolOn("Host=127.0.0.1;Port=1;Username=jaqmc;Password=unused", "jaqmc", "outage"), .. spoolArgs])))
        {
            await full.WaitAsync(TimeSpan.FromMinutes(2));
            var log = full.Stdout + full.Stderr;
            Assert.True(full.ExitCode == 3, $"expected exit 3 on a full spool disk, got {full.ExitCode}:\n{log}");
            var lines = log.Split('\n').Where(l => l.Contains("No space left on device", StringComparison.Ordinal)).ToArray();
            Assert.True(lines.Length == 1, $"expected one line naming the full disk, got {lines.Length}:\n{log}");
            Assert.Contains(spool, lines[0], StringComparison.Ordinal);
            output.WriteLine($"spool disk full: exit {full.ExitCode}; {lines[0].Trim()}");
        }

        // The CSV is whole rows of the real thing, and the checkpoint claims no step it lacks.
        var written = File.ReadAllText(Path.Combine(dir, "train_stats.csv"));
        var expected = File.ReadAllText(Path.Combine(reference, "train_stats.csv"));
        Assert.True(written.Length > 0 && expected.StartsWith(written, StringComparison.Ordinal), "the CSV written before the spool's disk filled is not a prefix of the uninterrupted run's");
        Assert.True(RunFiles.NewestCheckpoint(dir) < RunFiles.CsvRows(dir), "a checkpoint claims steps the CSV does not hold");

        // With room and a database, the same command resumes and the database ends equal to the CSV.
        await mount.RemountAsync("size=16m");
        await using var db = await PrivatePostgres.StartAsync();
        // Its stop uploads what both lives spooled; the subject here is the full disk, so the shutdown timeout is
        // made long enough for a busy machine.
        using (var again = JaqmcProcess.Start(FaultProfile.HeArguments(dir, [.. SpoolOn(db.ConnectionString, "jaqmc", "outage"), .. spoolArgs, "--Pipeline:ShutdownTimeout=00:05:00"])))
        {
            await again.WaitAsync(TimeSpan.FromMinutes(2));
            Assert.True(again.ExitCode == 0, $"the run did not resume once there was room ({again.ExitCode}):\n{again.Stdout}\n{again.Stderr}");
        }

        RunOutputs.AssertSameCsv(reference, dir);
        await AssertPostgresEqualsCsvAsync(db.ConnectionString, dir);
    }

    /// <summary>A He run that goes on until it is stopped, with a checkpoint every 200 steps and CSV + PostgreSQL.</summary>
    private static List<string> EndlessHe(string dir, string connectionString) => FaultProfile.HeArguments(
        dir,
        [
            .. SpoolOn(connectionString, "jaqmc", "outage"),
            "--Training:Iterations=100000000",
            "--Evaluation:Iterations=0",
            "--Training:CheckpointEvery=" + CheckpointEvery.ToString(CultureInfo.InvariantCulture),
            "--Writers:Console:Enabled=false",
            "--Writers:Hdf5:Enabled=false",
        ]);

    private static async Task WaitForCsvRowsAsync(JaqmcProcess p, string dir, int rows)
    {
        var clock = Stopwatch.StartNew();
        while (RunFiles.CsvRows(dir) < rows)
        {
            Assert.False(p.HasExited, $"the run ended early ({p.Stdout}{p.Stderr})");
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(2), $"fewer than {rows} CSV rows after two minutes");
            await Task.Delay(50);
        }
    }

    private static async Task<int> AssertPostgresEqualsCsvAsync(string connectionString, string dir)
    {
        var csv = RunOutputs.CsvAsLongTable(dir);
        var postgres = await RunOutputs.ReadPostgresAsync(connectionString, "jaqmc", "outage");
        Assert.NotEmpty(csv);
        Assert.Equal(csv.Count, postgres.Count);
        for (var i = 0; i < csv.Count; i++)
        {
            Assert.True(csv[i] == postgres[i], $"row {i}: CSV has {csv[i]}, PostgreSQL {postgres[i]}");
        }

        return csv.Count;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"Writer Postgres: .* failed .*retrying")]
    private static partial Regex OutageStart();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhiteSpace();

    [GeneratedRegex(@"Writer Postgres recovered after \d+(\.\d+)? s")]
    private static partial Regex Recovery();

    [GeneratedRegex(@"Writer Postgres: \d+ record\(s\) and \d+ stage open/close frame\(s\) are spooled in .* 'jaqmc sync [^']+' uploads them")]
    private static partial Regex SpooledLine();

    /// <summary>The PostgreSQL writer's arguments with the spool on (the default; said here so these tests keep their subject).</summary>
    private static string[] SpoolOn(string connectionString, string schema, string run) =>
        [.. FaultProfile.PostgresArguments(connectionString, schema, run), "--Writers:Postgres:Spool:Enabled=true"];
}
