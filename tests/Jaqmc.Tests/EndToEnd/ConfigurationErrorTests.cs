namespace Jaqmc.Tests.EndToEnd;

/// <summary>Bad settings stop the real program before it starts, with one line naming the setting.</summary>
public sealed class ConfigurationErrorTests
{
    public static TheoryData<string, string> BadSettings() => new()
    {
        { "--Pipeline:Capacity=-5", "jaqmc: configuration error: Pipeline:Capacity must be greater than 0 (got -5)" },
        { "--Pipeline:Capacity=0", "jaqmc: configuration error: Pipeline:Capacity must be greater than 0 (got 0)" },
        { "--Pipeline:Capacity=many", "jaqmc: configuration error: Pipeline:Capacity must be a whole number (got 'many')" },
        { "--Pipeline:FullMode=Sometimes", "jaqmc: configuration error: Pipeline:FullMode must be one of Wait, DropOldest, DropNewest, Fail (got 'Sometimes')" },
        { "--Pipeline:WriterThreadNice=20", "jaqmc: configuration error: Pipeline:WriterThreadNice must be between 0 and 19 (got 20)" },
        { "--Pipeline:DispatchInterval=00:01:00", "jaqmc: configuration error: Pipeline:DispatchInterval must be greater than zero and at most 10 seconds (got 00:01:00)" },
        { "--Pipeline:DispatchInterval=soon", "jaqmc: configuration error: Pipeline:DispatchInterval must be a time span such as 00:00:01.5 (hh:mm:ss) (got 'soon')" },
        { "--Writers:Csv:FlushInterval=00:00:00", "jaqmc: configuration error: Writers:Csv:FlushInterval must be greater than zero (got 00:00:00)" },
        { "--Writers:Csv:Enabled=yes", "jaqmc: configuration error: Writers:Csv:Enabled must be true or false (got 'yes')" },
        { "--Writers:Console:Interval=0", "jaqmc: configuration error: Writers:Console:Interval must be greater than 0 (got 0)" },
        { "--Writers:Csv:PathTemplate={run}.csv", "jaqmc: configuration error: Writers:Csv:PathTemplate may use only the field {stage}, not '{run}' (got '{run}.csv')" },
        { "--Writers:Hdf5:Enabled=maybe", "jaqmc: configuration error: Writers:Hdf5:Enabled must be true, false or auto (got 'maybe')" },
        { "--Writers:Parquet:Enabled=true", "jaqmc: configuration error: Writers:Parquet is not a known writer" },
        { "--Run:WorkingDirectory=/proc/version/runs", "jaqmc: configuration error: Run:WorkingDirectory must be a writable directory (got '/proc/version/runs': " },
        { "--Training:Walkers=0", "jaqmc: configuration error: Training:Walkers must be between 1 and 16777216 (got 0)" },
        { "--Training:Iterations=0", "jaqmc: configuration error: Training:Iterations must be at least 1 (got 0)" },
        { "--Training:System=Li", "jaqmc: configuration error: Training:System must be one of H, He, H2 (got 'Li')" },
        { "--Evaluation:Iterations=-1", "jaqmc: configuration error: Evaluation:Iterations must be at least 0 (got -1)" },
        // A misspelt name is refused, not ignored with the default left in place.
        { "--Writers:Csv:FlushIntervall=00:00:05", "jaqmc: configuration error: Writers:Csv:FlushIntervall is not a setting (the settings of Writers:Csv: Enabled, FlushInterval, MaxBatchSize, PathTemplate, QueueCapacity, Retry)" },
        { "--Pipeline:Capacityy=8", "jaqmc: configuration error: Pipeline:Capacityy is not a setting (the settings of Pipeline: Capacity, DispatchInterval, FullMode, IdleWriterThreads, ShutdownTimeout, WriterThreadNice)" },
        { "--Writers:Hdf5:Retry:MaxAtempts=3", "jaqmc: configuration error: Writers:Hdf5:Retry:MaxAtempts is not a setting (the settings of Writers:Hdf5:Retry: BaseDelay, MaxAttempts, MaxDelay)" },
        { "--Training:Walker=64", "jaqmc: configuration error: Training:Walker is not a setting (the settings of Training: BondLength, " },
        { "--Evaluation:Iteration=5", "jaqmc: configuration error: Evaluation:Iteration is not a setting (the settings of Evaluation: Iterations)" },
        { "--Run:Nmae=x", "jaqmc: configuration error: Run:Nmae is not a setting (the settings of Run: Name, WorkingDirectory)" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public async Task BadSetting_ExitsWith2_AndNamesTheSetting(string argument, string expected)
    {
        using var p = await JaqmcProcess.RunAsync([argument, "--Training:Producer=Synthetic", "--Training:Iterations=10", "--Run:WorkingDirectory=" + Path.Combine(Path.GetTempPath(), "jaqmc-cfg", Guid.NewGuid().ToString("N")), argument]);

        Assert.Equal(2, p.ExitCode);
        var line = Assert.Single(p.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith(expected, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", p.Stderr + p.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sync_WithAMisspeltSetting_ExitsWith2_AndNamesIt()
    {
        var run = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "jaqmc-cfg", Guid.NewGuid().ToString("N"))).FullName;

        using var p = await JaqmcProcess.RunAsync(["sync", run, "--Writers:Postgres:Shema=stats"]);

        Assert.Equal(2, p.ExitCode);
        var line = Assert.Single(p.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("jaqmc: configuration error: Writers:Postgres:Shema is not a setting (the settings of Writers:Postgres: ", line, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string> MisspeltServerSettings() => new()
    {
        { "dashboard", "--Dashboard:Pointz=500", "jaqmc: configuration error: Dashboard:Pointz is not a setting (the settings of Dashboard: LiveInterval, MaxPoints, Points, Token, Urls)" },
        { "serve", "--Pipeline:Capacityy=8", "jaqmc: configuration error: Pipeline:Capacityy is not a setting (the settings of Pipeline: Capacity, DispatchInterval, FullMode, IdleWriterThreads, ShutdownTimeout, WriterThreadNice)" },
        { "serve", "--Serve:MaxKey=4", "jaqmc: configuration error: Serve:MaxKey is not a setting (the settings of Serve: MaxKeyLength, MaxKeys, MaxRecordsPerBatch, MaxRequestBytes, MaxStreams, Root, Token, Urls)" },
    };

    [Theory]
    [MemberData(nameof(MisspeltServerSettings))]
    public async Task Server_WithAMisspeltSetting_ExitsWith2_BeforeListening_AndNamesIt(string verb, string argument, string expected)
    {
        var dir = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "jaqmc-cfg", Guid.NewGuid().ToString("N"))).FullName;
        string[] args = verb == "serve" ? [verb, "--root", dir, "--urls", "http://127.0.0.1:0", argument] : [verb, dir, "--urls", "http://127.0.0.1:0", argument];

        using var p = await JaqmcProcess.RunAsync(args);

        Assert.Equal(2, p.ExitCode);
        var line = Assert.Single(p.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(expected, line);
        Assert.DoesNotContain("listening", p.Stdout + p.Stderr, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task MalformedAppsettings_ExitsWith2_AndNamesTheFile()
    {
        var dir = Path.Combine(Path.GetTempPath(), "jaqmc-cfg", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var bad = Path.Combine(dir, "appsettings.json");
        await File.WriteAllTextAsync(bad, "{ \"Pipeline\": { \"Capacity\": 10, }");

        using var p = await JaqmcProcess.RunAsync(["--config", bad]);

        Assert.Equal(2, p.ExitCode);
        Assert.Contains("appsettings.json", p.Stderr, StringComparison.Ordinal);
        Assert.Contains("jaqmc: configuration error:", p.Stderr, StringComparison.Ordinal);
    }
}
