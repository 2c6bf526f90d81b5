using System.Text.Json;
using Jaqmc.Sinks.Csv;
using Jaqmc.Sinks.Hdf5;
using Jaqmc.Tests.Dashboard;
using Jaqmc.Tests.EndToEnd;
using Jaqmc.Tests.Sinks.Postgres;

namespace Jaqmc.Tests.Cli;

/// <summary>
/// The NativeAOT build (scripts/build-native.sh; JAQMC_NATIVE_BINARY) does what the managed program does: it trains
/// into every writer, and its reading verbs print what the managed build prints for the same run. Nothing of it may
/// depend on reflection or code generated at run time, which only a native build can show.
/// </summary>
public sealed class NativeBuildTests(NativePostgresRun run) : IClassFixture<NativePostgresRun>
{
    private readonly NativePostgresRun _run = run;

    private string RunDirectory => _run.RunDirectory;

    // For `runs` of the database alone.
    private string EmptyDirectory => Directory.CreateDirectory(Path.Combine(_run.Scratch, "none")).FullName;

    private Dictionary<string, string?> Database => _run.Environment;

    [Fact]
    public async Task Training_WritesEveryStepToCsvHdf5AndPostgres()
    {
        var csv = await CsvStatsReader.ReadAsync(Path.Combine(RunDirectory, "train_stats.csv"));
        Assert.Equal(Enumerable.Range(0, 60).Select(s => (long)s), csv.Steps);
        var h5 = Hdf5StatsReader.Read(Path.Combine(RunDirectory, "train_stats.h5"));
        Assert.Equal(csv.Steps, h5.Steps);
        Assert.Equal(csv.Columns["total_energy"], h5.Columns["total_energy"]);

        // The database run, listed by the managed build: both stages, every step.
        using var runs = await JaqmcProcess.RunAsync(["runs", EmptyDirectory, "--json"], Database);
        Assert.True(runs.ExitCode == 0, runs.Stderr);
        using var json = JsonDocument.Parse(runs.Stdout);
        var run = Assert.Single(json.RootElement.EnumerateArray(), r => r.GetProperty("name").GetString() == _run.Name);
        Assert.Equal("completed", run.GetProperty("status").GetString());
        Assert.Equal([59L, 19L], run.GetProperty("stages").EnumerateArray().Select(s => s.GetProperty("lastStep").GetInt64()));
    }

    [Theory]
    [InlineData("show", "RUN")]
    [InlineData("show", "DIR")]
    [InlineData("runs", "ROOT", "--json")]
    [InlineData("runs", "NONE")]
    public async Task ReadingVerbs_PrintWhatTheManagedBuildPrints(params string[] verb)
    {
        var args = verb.Select(a => a switch
        {
            "RUN" => _run.Name,
            "DIR" => RunDirectory,
            "ROOT" => _run.Root,
            "NONE" => EmptyDirectory,
            _ => a,
        }).ToArray();
        using var managed = await JaqmcProcess.RunAsync(args, Database);
        using var native = await JaqmcProcess.RunAsync(args, Database, native: true);

        Assert.True(managed.ExitCode == 0, managed.Stderr);
        Assert.True(native.ExitCode == 0, native.Stderr);
        Assert.Contains(verb[0] == "show" ? "total_energy" : "completed", native.Stdout, StringComparison.Ordinal);
        Assert.Equal(managed.Stdout, native.Stdout);
    }

    [Fact]
    public async Task Export_And_Plot_FromPostgres()
    {
        var output = Path.Combine(_run.Scratch, "export");
        using var export = await JaqmcProcess.RunAsync(["export", _run.Name, "--to", "csv", "-o", output], Database, native: true);
        Assert.True(export.ExitCode == 0, export.Stderr);
        Assert.Equal(
            await File.ReadAllBytesAsync(Path.Combine(RunDirectory, "train_stats.csv")),
            await File.ReadAllBytesAsync(Path.Combine(output, "train_stats.csv")));

        var png = Path.Combine(_run.Scratch, "energy.png");
        using var plot = await JaqmcProcess.RunAsync(["plot", _run.Name, "-o", png], Database, native: true);
        Assert.True(plot.ExitCode == 0, plot.Stderr);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], (await File.ReadAllBytesAsync(png)).Take(4));
    }

    [Theory]
    [InlineData("--Pipeline:FullMode=bogus")]
    [InlineData("--Pipeline:Capacity=-5")]
    [InlineData("--Writers:Csv:FlushInterval=soon")]
    [InlineData("--Writers:Csv:FlushIntervall=00:00:05")] // names every setting, which the trimmed build must keep
    [InlineData("--Writers:Hdf5:Retry:MaxAtempts=3")]
    [InlineData("--Writers:Postgres:Spool:Directroy=x")]
    [InlineData("--Training:Walker=64")]
    public async Task BadSetting_ExitsTwo_WithTheManagedBuildsLine(string setting)
    {
        string[] args = ["train", "-w", Path.Combine(_run.Scratch, "bad"), setting];

        using var managed = await JaqmcProcess.RunAsync(args);
        using var native = await JaqmcProcess.RunAsync(args, native: true);

        Assert.Equal(2, managed.ExitCode);
        Assert.Equal(2, native.ExitCode);
        Assert.StartsWith("jaqmc: configuration error: ", native.Stderr, StringComparison.Ordinal);
        Assert.Equal(managed.Stderr, native.Stderr);
    }

    [Fact]
    public async Task Dashboard_ServesTheRunsAndTheirCurves()
    {
        using var dashboard = await DashboardProcess.StartAsync([_run.Root], environment: Database, native: true);

        var runs = await dashboard.GetJsonAsync("/api/runs");
        var ids = runs.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("id").GetString()).ToList();
        Assert.Contains("pg:" + _run.Name, ids);

        var curve = await dashboard.GetJsonAsync($"/api/curve?run=pg:{_run.Name}&key=total_energy&points=60");
        Assert.Equal(60, curve.GetProperty("mean").GetArrayLength());
        var (status, error) = await dashboard.GetErrorAsync($"/api/curve?run=pg:{_run.Name}&points=abc");
        Assert.Equal(400, status);
        Assert.Contains("points", error, StringComparison.Ordinal);
    }
}
