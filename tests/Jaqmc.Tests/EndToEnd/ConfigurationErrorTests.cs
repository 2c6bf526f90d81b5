namespace Jaqmc.Tests.EndToEnd;

/// <summary>Bad settings stop the real program before it starts, with one line naming the setting.</summary>
public sealed class ConfigurationErrorTests
{
    public static TheoryData<string, string> BadSettings() => new()
    {
        { "--Pipeline:Capacity=-5", "jaqmc: configuration error: Pipeline:Capacity must be greater than 0 (got -5)" },
        { "--Pipeline:Capacity=0", "jaqmc: configuration error: Pipeline:Capacity must be greater than 0 (got 0)" },
        { "--Pipeline:FullMode=Sometimes", "Pipeline:FullMode" },
        { "--Pipeline:DispatchInterval=00:01:00", "jaqmc: configuration error: Pipeline:DispatchInterval must be greater than zero and at most 10 seconds (got 00:01:00)" },
        { "--Writers:Csv:FlushInterval=00:00:00", "jaqmc: configuration error: Writers:Csv:FlushInterval must be greater than zero" },
        { "--Writers:Console:Interval=0", "jaqmc: configuration error: Writers:Console:Interval must be greater than 0 (got 0)" },
        { "--Writers:Csv:PathTemplate={run}.csv", "jaqmc: configuration error: Writers:Csv:PathTemplate has unknown field '{run}'" },
        { "--Writers:Parquet:Enabled=true", "jaqmc: configuration error: Writers:Parquet is not a known writer" },
        { "--Run:WorkingDirectory=/proc/version/runs", "jaqmc: configuration error: Run:WorkingDirectory '/proc/version/runs' is not a writable directory" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public async Task BadSetting_ExitsWith2_AndNamesTheSetting(string argument, string expected)
    {
        using var p = await JaqmcProcess.RunAsync([argument, "--Training:Producer=Synthetic", "--Training:Iterations=10", "--Run:WorkingDirectory=" + Path.Combine(Path.GetTempPath(), "jaqmc-cfg", Guid.NewGuid().ToString("N")), argument]);

        Assert.Equal(2, p.ExitCode);
        Assert.Contains(expected, p.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", p.Stderr + p.Stdout, StringComparison.Ordinal);
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
