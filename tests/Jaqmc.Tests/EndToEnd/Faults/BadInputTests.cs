using System.Diagnostics;
using Jaqmc.Tests.Sinks.Postgres;
using Xunit.Abstractions;

namespace Jaqmc.Tests.EndToEnd.Faults;

/// <summary>
/// Scenario 5: bad input of every kind gives one clear line naming the culprit, a non-zero exit where the run
/// cannot go on, and leaves the data already written intact. Extends ConfigurationErrorTests (which checks the
/// messages) with what a bad start must not do to an existing run.
/// </summary>
public sealed class BadInputTests(PostgresFixture server, ITestOutputHelper output) : IClassFixture<PostgresFixture>
{
    public static TheoryData<string, string> BadStarts() => new()
    {
        { "--config=MALFORMED", "appsettings.bad.json" },
        { "--Writers:Parquet:Enabled=true", "Writers:Parquet is not a known writer" },
        { "--Pipeline:Capacity=0", "Pipeline:Capacity" },
        { "--Pipeline:Capacity=-1", "Pipeline:Capacity" },
        { "--Writers:Csv:QueueCapacity=0", "Writers:Csv:QueueCapacity" },
        { "--Writers:Hdf5:MaxBatchSize=-3", "Writers:Hdf5:MaxBatchSize" },
        { "--Writers:Console:Interval=0", "Writers:Console:Interval" },
        { "--Writers:Csv:FlushInterval=00:00:00", "Writers:Csv:FlushInterval" },
        { "--Training:CheckpointEvery=0", "Training:CheckpointEvery" },
    };

    [Theory]
    [MemberData(nameof(BadStarts))]
    public async Task BadStart_ExitsWith2_NamesTheCulprit_AndLeavesTheExistingRunUntouched(string argument, string culprit)
    {
        var dir = await CompletedRun.CopyAsync("bad-start");
        if (argument == "--config=MALFORMED")
        {
            var bad = Path.Combine(Path.GetDirectoryName(dir)!, Path.GetFileName(dir) + "-appsettings.bad.json");
            await File.WriteAllTextAsync(bad, "{ \"Writers\": { \"Csv\": { \"Enabled\": true, } ");
            argument = "--config=" + bad;
        }

        var before = CompletedRun.Snapshot(dir);
        using var p = JaqmcProcess.Start(FaultProfile.HeArguments(dir, argument));
        await p.WaitAsync(TimeSpan.FromMinutes(1));

        Assert.True(p.ExitCode == 2, $"exit {p.ExitCode} for {argument}:\n{p.Stdout}\n{p.Stderr}");
        var errors = p.Stderr.Split('\n').Where(l => l.StartsWith("jaqmc: configuration error:", StringComparison.Ordinal)).ToArray();
        Assert.True(errors.Length == 1, $"expected one error line for {argument}, got:\n{p.Stderr}");
        Assert.Contains(culprit, errors[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", p.Stdout + p.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, CompletedRun.Snapshot(dir));
    }

    [Fact]
    public async Task MissingWorkingDirectory_IsCreated()
    {
        var dir = Path.Combine(FaultProfile.NewDirectory("missing"), "a", "b");
        using var p = JaqmcProcess.Start(["--Run:WorkingDirectory=" + dir, "--Training:Producer=Synthetic", "--Training:Iterations=20"]);
        await p.WaitAsync(TimeSpan.FromMinutes(1));

        Assert.True(p.ExitCode == 0, $"exit {p.ExitCode}:\n{p.Stdout}\n{p.Stderr}");
        Assert.Equal(21, File.ReadAllLines(Path.Combine(dir, "train_stats.csv")).Length);
    }

    [Fact]
    public async Task ReadOnlyWorkingDirectory_ExitsWith2_NamingIt()
    {
        // As root, permissions do not stop writes: a read-only mount does (chmod is the fallback without root).
        var dir = FaultProfile.NewDirectory("read-only");
        Directory.CreateDirectory(dir);
        await using var mount = await TmpfsMount.TryMountAsync(dir, "ro,size=64k");
        if (mount is null && !OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        }

        using var p = JaqmcProcess.Start(["--Run:WorkingDirectory=" + dir, "--Training:Producer=Synthetic", "--Training:Iterations=20"]);
        await p.WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(2, p.ExitCode);
        Assert.Contains($"jaqmc: configuration error: Run:WorkingDirectory must be a writable directory (got '{dir}': ", p.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DiskFull_StopsWithTheSystemsMessage_KeepsWhatWasWritten_AndResumesOnceThereIsRoom()
    {
        var reference = await CompletedRun.DirectoryAsync();
        var dir = FaultProfile.NewDirectory("disk-full");
        Directory.CreateDirectory(dir);

        // 96 KiB: enough to start and write part of the training CSV and a few checkpoints, not the whole run.
        await using var mount = await TmpfsMount.TryMountAsync(dir, "size=96k");
        Assert.True(mount is not null, "the disk-full test needs `mount -t tmpfs` (root): run the tests as root, as scripts/test.sh does");
        var args = FaultProfile.HeArguments(dir, "--Writers:Hdf5:Enabled=false");
        using (var full = JaqmcProcess.Start(args))
        {
            await full.WaitAsync(TimeSpan.FromMinutes(2));
            var log = full.Stdout + full.Stderr;
            Assert.True(full.ExitCode != 0, $"the run claimed success on a full disk:\n{log}");
            Assert.Contains("No space left on device", log, StringComparison.Ordinal);
            output.WriteLine($"disk full: exit {full.ExitCode}; {log.Split('\n').First(l => l.Contains("No space left", StringComparison.Ordinal)).Trim()}");
        }

        Assert.Empty(Directory.GetFiles(dir, "*.tmp"));

        // What was written before the disk filled is a prefix of the real thing: whole rows, no garbage.
        var written = File.ReadAllText(Path.Combine(dir, "train_stats.csv"));
        var expected = File.ReadAllText(Path.Combine(reference, "train_stats.csv"));
        Assert.True(written.Length > 0 && expected.StartsWith(written, StringComparison.Ordinal), "the CSV written before the disk filled is not a prefix of the uninterrupted run's");

        await mount.RemountAsync("size=16m");
        using (var again = JaqmcProcess.Start(args))
        {
            await again.WaitAsync(TimeSpan.FromMinutes(2));
            Assert.True(again.ExitCode == 0, $"the run did not resume once there was room ({again.ExitCode}):\n{again.Stdout}\n{again.Stderr}");
        }

        RunOutputs.AssertSameCsv(reference, dir);
    }

    [Fact]
    public async Task ForeignCsv_IsMovedAside_AndTheStageContinuesInANewFile()
    {
        var reference = await CompletedRun.DirectoryAsync();
        var dir = await ResumableAtStep300Async("foreign-csv");
        const string foreign = "time,temperature\n1,20.5\n2,21.0\n";
        await File.WriteAllTextAsync(Path.Combine(dir, "train_stats.csv"), foreign);

        using var p = JaqmcProcess.Start(FaultProfile.HeArguments(dir));
        await p.WaitAsync(TimeSpan.FromMinutes(2));

        Assert.True(p.ExitCode == 0, $"exit {p.ExitCode}:\n{p.Stdout}\n{p.Stderr}");
        Assert.Contains("is not a stats file written by this writer", p.Stdout, StringComparison.Ordinal);
        var aside = Assert.Single(Directory.GetFiles(dir, "train_stats.csv.foreign-*"));
        Assert.Equal(foreign, await File.ReadAllTextAsync(aside));
        var lines = await File.ReadAllLinesAsync(Path.Combine(dir, "train_stats.csv"));
        var referenceLines = await File.ReadAllLinesAsync(Path.Combine(reference, "train_stats.csv"));
        Assert.Equal([referenceLines[0], .. referenceLines.Skip(1 + 300)], lines);
    }

    [Fact]
    public async Task ForeignCsv_InAFreshRun_IsMovedAsideNotOverwritten()
    {
        var dir = FaultProfile.NewDirectory("foreign-csv-fresh");
        Directory.CreateDirectory(dir);
        const string foreign = "time,temperature\n1,20.5\n";
        await File.WriteAllTextAsync(Path.Combine(dir, "train_stats.csv"), foreign);

        using var p = JaqmcProcess.Start(["--Run:WorkingDirectory=" + dir, "--Training:Producer=Synthetic", "--Training:Iterations=20"]);
        await p.WaitAsync(TimeSpan.FromMinutes(1));

        Assert.True(p.ExitCode == 0, $"exit {p.ExitCode}:\n{p.Stdout}\n{p.Stderr}");
        var aside = Assert.Single(Directory.GetFiles(dir, "train_stats.csv.foreign-*"));
        Assert.Equal(foreign, await File.ReadAllTextAsync(aside));
        Assert.Equal(21, File.ReadAllLines(Path.Combine(dir, "train_stats.csv")).Length);
    }

    [Fact]
    public async Task GarbageLinesInCsv_AreDropped_WithACopyKept()
    {
        var reference = await CompletedRun.DirectoryAsync();
        var dir = await ResumableAtStep300Async("garbage-csv");
        var path = Path.Combine(dir, "train_stats.csv");
        var lines = (await File.ReadAllLinesAsync(path)).ToList();
        lines.Insert(10, "this is not a row");
        lines.Insert(50, "12,\"unterminated");
        lines.Insert(120, new string('\0', 40));
        await File.WriteAllTextAsync(path, string.Join('\n', lines) + "\n");

        using var p = JaqmcProcess.Start(FaultProfile.HeArguments(dir));
        await p.WaitAsync(TimeSpan.FromMinutes(2));

        Assert.True(p.ExitCode == 0, $"exit {p.ExitCode}:\n{p.Stdout}\n{p.Stderr}");
        Assert.Contains("malformed line(s)", p.Stdout, StringComparison.Ordinal);
        var copy = Assert.Single(Directory.GetFiles(dir, "train_stats.csv.malformed-*"));
        Assert.Contains("this is not a row", await File.ReadAllTextAsync(copy), StringComparison.Ordinal);
        RunOutputs.AssertSameCsv(reference, dir);
    }

    [Fact]
    public async Task TruncatedHdf5_IsRenamedAside_AndANewFileHoldsTheResumedSteps()
    {
        var reference = await CompletedRun.DirectoryAsync();
        var dir = await ResumableAtStep300Async("corrupt-h5");
        var path = Path.Combine(dir, "train_stats.h5");
        var original = await File.ReadAllBytesAsync(path);
        await File.WriteAllBytesAsync(path, original[..1000]);

        using var p = JaqmcProcess.Start(FaultProfile.HeArguments(dir));
        await p.WaitAsync(TimeSpan.FromMinutes(2));

        Assert.True(p.ExitCode == 0, $"exit {p.ExitCode}:\n{p.Stdout}\n{p.Stderr}");
        var aside = Assert.Single(Directory.GetFiles(dir, "train_stats.h5.corrupt-*"));
        Assert.Equal(1000, new FileInfo(aside).Length);
        Assert.Contains(Path.GetFileName(aside), p.Stdout, StringComparison.Ordinal);
        var resumed = Jaqmc.Sinks.Hdf5.Hdf5StatsReader.Read(path);
        var expected = Jaqmc.Sinks.Hdf5.Hdf5StatsReader.Read(Path.Combine(reference, "train_stats.h5"));
        Assert.Equal(expected.Steps[300..], resumed.Steps);
        Assert.Equal(expected.Columns["total_energy"][300..], resumed.Columns["total_energy"]);
        RunOutputs.AssertSameCsv(reference, dir);
    }

    [Fact]
    public async Task CorruptNewestCheckpoint_FallsBackToThePreviousOne_AndTheRunEndsExact()
    {
        var reference = await CompletedRun.DirectoryAsync();
        var dir = await ResumableAtStep300Async("corrupt-ckpt", keepNewest: true);
        var newest = Path.Combine(dir, "train_ckpt_000349");
        var bytes = await File.ReadAllBytesAsync(newest);
        for (var i = bytes.Length / 3; i < bytes.Length / 3 + 64; i++)
        {
            bytes[i] ^= 0x5A;
        }

        await File.WriteAllBytesAsync(newest, bytes);

        using var p = JaqmcProcess.Start(FaultProfile.HeArguments(dir));
        await p.WaitAsync(TimeSpan.FromMinutes(2));

        Assert.True(p.ExitCode == 0, $"exit {p.ExitCode}:\n{p.Stdout}\n{p.Stderr}");
        Assert.Contains("train_ckpt_000349", p.Stdout, StringComparison.Ordinal);
        Assert.Contains("Stage train: starting at step 300 ", p.Stdout, StringComparison.Ordinal);
        RunOutputs.AssertSameCsv(reference, dir);
        RunOutputs.AssertSameHdf5(reference, dir);
    }

    [Fact]
    public async Task WrongDatabasePassword_ExitsWith3_AndNoPasswordIsEverPrinted()
    {
        var right = new Npgsql.NpgsqlConnectionStringBuilder(server.ConnectionString).Password!;
        var wrong = "wrong-" + Guid.NewGuid().ToString("N");
        var connection = server.ConnectionStringWith(b => b.Password = wrong);
        var dir = FaultProfile.NewDirectory("bad-password");
        var watch = Stopwatch.StartNew();
        using var p = JaqmcProcess.Start(FaultProfile.HeArguments(dir, FaultProfile.PostgresArguments(connection, PostgresFixture.NewSchema(), "bad-password")));
        await p.WaitAsync(TimeSpan.FromMinutes(2));

        var log = p.Stdout + p.Stderr;
        Assert.True(p.ExitCode == 3, $"exit {p.ExitCode}:\n{log}");
        Assert.Contains("password authentication failed", log, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, log, StringComparison.Ordinal);
        Assert.DoesNotContain(right, log, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, string.Concat(Directory.GetFiles(dir).Where(f => !f.Contains("_ckpt_", StringComparison.Ordinal)).Select(File.ReadAllText)), StringComparison.Ordinal);
        output.WriteLine($"wrong password: exit 3 after {watch.Elapsed.TotalSeconds:F1}s");
    }

    /// <summary>A copy of the completed run that resumes training at step 300 (checkpoints 349 and 399 and the evaluation removed).</summary>
    private static async Task<string> ResumableAtStep300Async(string scenario, bool keepNewest = false)
    {
        var dir = await CompletedRun.CopyAsync(scenario);
        foreach (var file in Directory.GetFiles(dir, "evaluation_*").Append(Path.Combine(dir, "train_ckpt_000399")))
        {
            File.Delete(file);
        }

        if (!keepNewest)
        {
            File.Delete(Path.Combine(dir, "train_ckpt_000349"));
        }

        return dir;
    }
}
