using System.Buffers.Binary;
using System.Text.Json;
using System.Xml.Linq;
using Jaqmc.Tests.EndToEnd;

namespace Jaqmc.Tests.Cli;

/// <summary>Every verb of the real program against one short helium run.</summary>
public sealed class CliTests(TrainedRunFixture run) : IClassFixture<TrainedRunFixture>
{
    [Theory]
    [InlineData("")]
    [InlineData("train")]
    [InlineData("runs")]
    [InlineData("show")]
    [InlineData("plot")]
    [InlineData("export")]
    public async Task Help_OfEveryVerb_ShowsExamples(string verb)
    {
        using var p = await JaqmcProcess.RunAsync(verb.Length == 0 ? ["--help"] : [verb, "--help"]);

        Assert.Equal(0, p.ExitCode);
        Assert.Contains("Usage:", p.Stdout, StringComparison.Ordinal);
        Assert.Contains("Examples:", p.Stdout, StringComparison.Ordinal);
        Assert.Contains($"  jaqmc {verb}", p.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Runs_Json_ListsTheRunWithItsStages()
    {
        using var p = await JaqmcProcess.RunAsync(["runs", run.Root, "--json"]);

        Assert.True(p.ExitCode == 0, p.Stderr);
        using var json = JsonDocument.Parse(p.Stdout);
        var he = Assert.Single(json.RootElement.EnumerateArray());
        Assert.Equal("he", he.GetProperty("name").GetString());
        Assert.Equal("local", he.GetProperty("source").GetString());
        Assert.Equal("completed", he.GetProperty("status").GetString());
        var stages = he.GetProperty("stages").EnumerateArray().ToArray();
        Assert.Equal(["train", "evaluation"], stages.Select(s => s.GetProperty("name").GetString()));
        Assert.Equal(49, stages[0].GetProperty("lastStep").GetInt64());
        Assert.Equal(19, stages[1].GetProperty("lastStep").GetInt64());
        Assert.InRange(he.GetProperty("lastEnergy").GetDouble(), -3.5, -2.5);
    }

    [Fact]
    public async Task Runs_Table_NamesTheRun()
    {
        using var p = await JaqmcProcess.RunAsync(["runs", run.Root]);

        Assert.True(p.ExitCode == 0, p.Stderr);
        Assert.Contains("he", p.Stdout, StringComparison.Ordinal);
        Assert.Contains("completed", p.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_PrintsTheEvaluationEnergyWithItsError()
    {
        using var p = await JaqmcProcess.RunAsync(["show", run.RunDirectory]);

        Assert.True(p.ExitCode == 0, p.Stderr);
        Assert.Matches(@"Evaluation energy: -2\.\d{6} ± 0\.\d{6} Ha \(20 steps", p.Stdout);
        Assert.Contains("256 walkers", p.Stdout, StringComparison.Ordinal);
        Assert.Contains("train_ckpt_000049", p.Stdout, StringComparison.Ordinal);
        Assert.Contains("total_energy", p.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_PrintsTheSettingsTheRunWasTrainedWith_NotItsOwn()
    {
        // This command's own settings (appsettings.json) say 2000 training and 500 evaluation steps.
        using var p = await JaqmcProcess.RunAsync(["show", run.RunDirectory]);

        Assert.True(p.ExitCode == 0, p.Stderr);
        var lines = p.Stdout.Split('\n').Select(l => l.Trim()).ToArray();
        Assert.Contains("Training:Iterations = 50", lines);
        Assert.Contains("Evaluation:Iterations = 20", lines);
        Assert.Contains("Training:Walkers = 256", lines);
        Assert.Contains("Training:System = He", lines);
        Assert.DoesNotContain(lines, l => l.StartsWith("Training:Iterations = 2000", StringComparison.Ordinal));
        Assert.Contains("Configuration (recorded in ", p.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void TheRun_RecordsItsSettings_WithoutConnectionStrings()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(run.RunDirectory, "run.json")));

        Assert.Equal("50", json.RootElement.GetProperty("Training").GetProperty("Iterations").GetString());
        Assert.Equal("20", json.RootElement.GetProperty("Evaluation").GetProperty("Iterations").GetString());
        Assert.False(json.RootElement.TryGetProperty("ConnectionStrings", out _));
        Assert.DoesNotContain("ConnectionString", json.RootElement.GetRawText(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Show_OfARunWithoutRunJson_SaysSo_InsteadOfPrintingDefaults()
    {
        var older = CopyOfTheRun(withRunJson: false);

        using var p = await JaqmcProcess.RunAsync(["show", older]);

        Assert.True(p.ExitCode == 0, p.Stderr);
        Assert.Contains("Configuration not recorded:", p.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Training:Iterations =", p.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Evaluation:Iterations =", p.Stdout, StringComparison.Ordinal);
        Assert.Contains("from the newest checkpoint: system He, 256 walkers", p.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Train_IntoARunOfOtherSettings_FailsOnce_AndKeepsTheRunJson()
    {
        var copy = CopyOfTheRun(withRunJson: true);
        var recorded = await File.ReadAllTextAsync(Path.Combine(copy, "run.json"));

        using var p = await JaqmcProcess.RunAsync(["train", "-w", copy, "--iterations", "60", "--walkers", "128", "--no-progress"]);

        Assert.Equal(4, p.ExitCode);
        var output = p.Stdout + p.Stderr;
        Assert.Single(output.Split('\n'), l => l.Contains("does not match the configuration", StringComparison.Ordinal));
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.Equal(recorded, await File.ReadAllTextAsync(Path.Combine(copy, "run.json")));
    }

    [Fact]
    public async Task Train_WithEvalIterations0_TrainsOnly_AndTheRunIsCompleted()
    {
        var dir = Path.Combine(run.Scratch, "train-only-" + Guid.NewGuid().ToString("N"));

        using var p = await JaqmcProcess.RunAsync(["train", "-w", dir, "--iterations", "20", "--eval-iterations", "0", "--walkers", "64", "--no-progress"]);

        Assert.True(p.ExitCode == 0, p.Stdout + p.Stderr);
        Assert.Equal(21, File.ReadAllLines(Path.Combine(dir, "train_stats.csv")).Length);
        Assert.False(File.Exists(Path.Combine(dir, "evaluation_stats.csv")));
        Assert.Empty(Directory.GetFileSystemEntries(dir, "evaluation*"));
        Assert.Contains("Stage evaluation is off (Evaluation:Iterations=0)", p.Stdout, StringComparison.Ordinal);

        using var runs = await JaqmcProcess.RunAsync(["runs", dir, "--json"]);
        Assert.True(runs.ExitCode == 0, runs.Stderr);
        using var json = JsonDocument.Parse(runs.Stdout);
        var only = Assert.Single(json.RootElement.EnumerateArray());
        Assert.Equal("completed", only.GetProperty("status").GetString());
        Assert.Equal(["train"], only.GetProperty("stages").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
    }

    [Theory]
    [InlineData("total_energy", 640, 480)]
    [InlineData("total_energy,pmove", 1000, 900)]
    public async Task Plot_Png_HasTheRequestedSize(string keys, int width, int height)
    {
        var output = Path.Combine(run.Scratch, $"plot-{Guid.NewGuid():N}.png");

        using var p = await JaqmcProcess.RunAsync(["plot", run.RunDirectory, "--keys", keys, "--window", "5", "-o", output, "--width", $"{width}", "--height", $"{height}"]);

        Assert.True(p.ExitCode == 0, p.Stderr);
        var bytes = await File.ReadAllBytesAsync(output);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A], bytes[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4));
        Assert.Equal(width, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)));
        Assert.Equal(height, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
    }

    [Theory]
    [InlineData("total_energy")]
    [InlineData("total_energy,pmove")]
    public async Task Plot_Svg_IsWellFormedXml(string keys)
    {
        var output = Path.Combine(run.Scratch, $"plot-{Guid.NewGuid():N}.svg");

        using var p = await JaqmcProcess.RunAsync(["plot", Path.Combine(run.RunDirectory, "evaluation_stats.h5"), "--keys", keys, "-o", output]);

        Assert.True(p.ExitCode == 0, p.Stderr);
        var svg = XDocument.Load(output);
        Assert.Equal("svg", svg.Root!.Name.LocalName);
    }

    [Theory]
    [InlineData("train")]
    [InlineData("evaluation")]
    public async Task Export_FromHdf5_EqualsTheOriginalCsvByteForByte(string stage)
    {
        var output = Path.Combine(run.Scratch, "export-" + Guid.NewGuid().ToString("N"));

        using var p = await JaqmcProcess.RunAsync(["export", Path.Combine(run.RunDirectory, $"{stage}_stats.h5"), "--to", "csv", "-o", output]);

        Assert.True(p.ExitCode == 0, p.Stderr);
        Assert.Equal(
            await File.ReadAllBytesAsync(Path.Combine(run.RunDirectory, $"{stage}_stats.csv")),
            await File.ReadAllBytesAsync(Path.Combine(output, $"{stage}_stats.csv")));
    }

    [Fact]
    public async Task Export_OfARunDirectory_WritesEveryStage()
    {
        var output = Path.Combine(run.Scratch, "export-" + Guid.NewGuid().ToString("N"));

        using var p = await JaqmcProcess.RunAsync(["export", run.RunDirectory, "--to", "csv", "-o", output]);

        Assert.True(p.ExitCode == 0, p.Stderr);
        Assert.True(File.Exists(Path.Combine(output, "train_stats.csv")));
        Assert.True(File.Exists(Path.Combine(output, "evaluation_stats.csv")));
    }

    [Theory]
    [InlineData("bogus")]
    [InlineData("runs --bogus")]
    [InlineData("show --bogus")]
    [InlineData("plot")]
    [InlineData("export somewhere --to parquet")]
    [InlineData("train --system Li")]
    public async Task BadVerbOrOption_Exits2_WithOneLine(string arguments)
    {
        using var p = await JaqmcProcess.RunAsync(arguments.Split(' '));

        Assert.Equal(2, p.ExitCode);
        var line = Assert.Single(p.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("jaqmc: ", line, StringComparison.Ordinal);
        Assert.Contains("--help", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingRun_Exits1_WithOneLineAndNoStackTrace()
    {
        using var p = await JaqmcProcess.RunAsync(["show", Path.Combine(run.Root, "no-such-run")]);

        Assert.Equal(1, p.ExitCode);
        var line = Assert.Single(p.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("jaqmc: error: no run directory or file", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verbose_AddsTheStackTrace()
    {
        using var p = await JaqmcProcess.RunAsync(["plot", run.RunDirectory, "--keys", "no_such_key", "-o", Path.Combine(run.Scratch, "x.png"), "--verbose"]);

        Assert.Equal(1, p.ExitCode);
        Assert.StartsWith("jaqmc: error: stage 'train' has no key 'no_such_key'", p.Stderr, StringComparison.Ordinal);
        Assert.Contains("   at ", p.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoVerb_StillTrains()
    {
        var dir = Path.Combine(run.Scratch, "default-" + Guid.NewGuid().ToString("N"));

        using var p = await JaqmcProcess.RunAsync(["--Training:Producer=Synthetic", "--Training:Iterations=10", "--Run:WorkingDirectory", dir]);

        Assert.True(p.ExitCode == 0, p.Stderr);
        Assert.Equal(11, File.ReadAllLines(Path.Combine(dir, "train_stats.csv")).Length);
        Assert.Contains("Writer Csv: 10 written", p.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoVerb_ConfigurationError_StillExits2()
    {
        using var p = await JaqmcProcess.RunAsync(["--Pipeline:Capacity=-5", "--Run:WorkingDirectory=" + Path.Combine(run.Scratch, "bad")]);

        Assert.Equal(2, p.ExitCode);
        Assert.Contains("jaqmc: configuration error: Pipeline:Capacity must be greater than 0 (got -5)", p.Stderr, StringComparison.Ordinal);
    }

    /// <summary>A copy of the fixture's run (files only) that a test may change.</summary>
    private string CopyOfTheRun(bool withRunJson)
    {
        var copy = Path.Combine(run.Scratch, "copy-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.GetFiles(run.RunDirectory).Where(f => withRunJson || Path.GetFileName(f) != "run.json"))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }

        return copy;
    }
}
