using Jaqmc.Sinks;
using Jaqmc.Sinks.Console;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Jaqmc.Tests.Sinks.Console;

public sealed class ConsoleStatsWriterTests
{
    private readonly FakeLogCollector _logs = new();

    private async Task<IReadOnlyList<FakeLogRecord>> WriteAsync(string fields, int interval, params (long Step, (string Key, double Value)[] Stats)[] records)
    {
        using var factory = LoggerFactory.Create(b => b.AddProvider(new FakeLoggerProvider(_logs)));
        var writer = new ConsoleStatsWriter(new ConsoleWriterOptions { Fields = fields, Interval = interval }, factory);
        await writer.OpenAsync(new WriterContext("/tmp", "train", 0, "run"), CancellationToken.None);
        var batch = records.Select(r => new StatsRecord("train", r.Step, new StatsKeys(r.Stats.Select(s => s.Key)), r.Stats.Select(s => s.Value).ToArray())).ToList();
        await writer.WriteAsync(batch, CancellationToken.None);
        await writer.CloseAsync(StageOutcome.Completed, CancellationToken.None);
        return _logs.GetSnapshot();
    }

    [Fact]
    public async Task DefaultFormat_IsFourDecimals_LikeJaqmc()
    {
        var logs = await WriteAsync("loss", 1, (1, [("loss", 1.23456)]));
        var line = Assert.Single(logs);
        Assert.Equal("step=1, loss=1.2346", line.Message);
        Assert.Equal("train", line.Category);
    }

    [Fact]
    public async Task FieldsWithAliasesAndFormats()
    {
        var logs = await WriteAsync("loss:.2f,other:.1f", 1, (1, [("loss", 1.23456), ("other", 10.0)]));
        Assert.Equal("step=1, loss=1.23, other=10.0", Assert.Single(logs).Message);
    }

    [Fact]
    public async Task TrainingPreset_PrintsTheUsualLine()
    {
        var logs = await WriteAsync(
            "pmove:.2f,energy=total_energy:.4f,variance=total_energy_var:.4f",
            1,
            (12, [("pmove", 0.52), ("total_energy", -0.49), ("total_energy_var", 0.0123)]));
        Assert.Equal("step=12, pmove=0.52, energy=-0.4900, variance=0.0123", Assert.Single(logs).Message);
    }

    [Fact]
    public async Task ColonInKey_IsAKey_WhenTheLastPartHasNoDigit()
    {
        var logs = await WriteAsync("energy:kinetic,k=energy:kinetic_var:+.1e", 1, (0, [("energy:kinetic", 1.5), ("energy:kinetic_var", 12345)]));
        Assert.Equal("step=0, energy:kinetic=1.5000, k=+1.2e+04", Assert.Single(logs).Message);
    }

    [Fact]
    public async Task Interval_UsesTheAbsoluteStep()
    {
        var logs = await WriteAsync("loss", 10, (5, [("loss", 1)]), (10, [("loss", 2)]), (15, [("loss", 3)]), (20, [("loss", 4)]));
        Assert.Equal(["step=10, loss=2.0000", "step=20, loss=4.0000"], logs.Select(l => l.Message));
    }

    [Fact]
    public async Task MissingKey_WarnsOnce_ListingTheAvailableKeys()
    {
        var logs = await WriteAsync("energy=total_energy", 1, (0, [("loss", 1), ("pmove", 0.5)]), (1, [("loss", 1), ("pmove", 0.5)]));
        var warning = Assert.Single(logs, l => l.Level == LogLevel.Warning);
        Assert.Equal("Console field 'total_energy' is not in the stats; available keys: loss, pmove", warning.Message);
        Assert.Equal(2, logs.Count(l => l.Message.StartsWith("step=", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task NonFiniteValues_PrintLikePython()
    {
        var logs = await WriteAsync("a,b,c", 1, (0, [("a", double.NaN), ("b", double.PositiveInfinity), ("c", double.NegativeInfinity)]));
        Assert.Equal("step=0, a=nan, b=inf, c=-inf", Assert.Single(logs).Message);
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("a:5.f", "'.' without a precision")]
    [InlineData("a:.2q", "format type 'q'")]
    [InlineData("a:.2ff", "not [+][width][.precision]")]
    [InlineData("=a", "empty key or alias")]
    public void BadFieldSpecs_AreConfigurationErrors(string fields, string problem)
    {
        var results = new ConsoleWriterOptions { Fields = fields }.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(new object())).ToList();
        Assert.Contains(results, r => r.ErrorMessage!.Contains(problem, StringComparison.Ordinal) && r.MemberNames.Contains("Fields"));
    }
}
