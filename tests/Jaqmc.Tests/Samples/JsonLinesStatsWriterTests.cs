using Jaqmc.Samples.JsonLines;
using Jaqmc.Sinks;
using Jaqmc.Tests.EndToEnd;
using Jaqmc.Tests.Sinks;

namespace Jaqmc.Tests.Samples;

/// <summary>The sample custom writer passes the same contract as the built-in ones, and plugs into the real host.</summary>
public sealed class JsonLinesStatsWriterTests : StatsWriterContractTests
{
    protected override IStatsWriter CreateWriter() => new JsonLinesStatsWriter(new JsonLinesWriterOptions { Enabled = true });

    protected override Task<IReadOnlyList<WrittenRow>> ReadBackAsync(string stage) =>
        Task.FromResult<IReadOnlyList<WrittenRow>>(JsonLinesStatsWriter.Read(Path.Combine(WorkingDirectory, $"{stage}_stats.jsonl"))
            .Select(r => new WrittenRow(r.Step, r.Values)).ToList());

    [Fact]
    public async Task RegisteredWithOneCall_ItRunsInTheRealProgram_NextToTheBuiltInWriters()
    {
        using var p = JaqmcProcess.Start(
            [
                Path.Combine(AppContext.BaseDirectory, "Jaqmc.Samples.JsonLines.dll"),
                "--Training:Producer=Synthetic", "--Training:Iterations=300", "--Run:WorkingDirectory=" + WorkingDirectory,
                "--Writers:JsonLines:Enabled=true", "--Writers:JsonLines:Keys=total_energy,pmove",
            ],
            sampleHost: true);
        await p.WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(0, p.ExitCode);
        var rows = JsonLinesStatsWriter.Read(Path.Combine(WorkingDirectory, "train_stats.jsonl")).ToList();
        Assert.Equal(Enumerable.Range(0, 300).Select(i => (long)i), rows.Select(r => r.Step));
        Assert.Equal(["pmove", "total_energy"], rows[0].Values.Keys.Order());
        Assert.Equal(300, File.ReadLines(Path.Combine(WorkingDirectory, "train_stats.csv")).Count() - 1);
        Assert.Contains("Writer JsonLines: 300 written, 0 dropped, 0 failed, 0 still queued", p.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ItsOptionsAreValidatedAtStart_LikeTheBuiltInOnes()
    {
        using var p = JaqmcProcess.Start(
            [
                Path.Combine(AppContext.BaseDirectory, "Jaqmc.Samples.JsonLines.dll"),
                "--Training:Producer=Synthetic", "--Run:WorkingDirectory=" + WorkingDirectory,
                "--Writers:JsonLines:Enabled=true", "--Writers:JsonLines:PathTemplate={stage}_{run}.jsonl",
            ],
            sampleHost: true);
        await p.WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(2, p.ExitCode);
        Assert.Contains("jaqmc: configuration error: Writers:JsonLines:PathTemplate may use only the field {stage}, not '{run}' (got '{stage}_{run}.jsonl')", p.Stderr, StringComparison.Ordinal);
    }
}
