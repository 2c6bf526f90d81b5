using Jaqmc.Sinks;

namespace Jaqmc.Tests.Sinks;

/// <summary>
/// The behaviour every writer promises, in the style of dotnet/runtime's channel tests: each writer's test class
/// derives from this and supplies a factory and a reader of what it stored.
/// </summary>
public abstract class StatsWriterContractTests : IAsyncLifetime
{
    protected StatsWriterContractTests()
    {
        WorkingDirectory = Path.Combine(Path.GetTempPath(), "jaqmc-tests", GetType().Name, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(WorkingDirectory);
    }

    /// <summary>A fresh directory per test.</summary>
    protected string WorkingDirectory { get; }

    /// <summary>The run name passed in every <see cref="WriterContext"/> (unique per test).</summary>
    protected string RunName => WorkingDirectory;

    /// <summary>Creates a new, unopened writer.</summary>
    protected abstract IStatsWriter CreateWriter();

    /// <summary>Reads back every row the writer stored for <paramref name="stage"/>, in step order.</summary>
    protected abstract Task<IReadOnlyList<WrittenRow>> ReadBackAsync(string stage);

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync()
    {
        try
        {
            Directory.Delete(WorkingDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp directory does not affect results.
        }

        return Task.CompletedTask;
    }

    protected WriterContext Context(string stage = "train", long initialStep = 0) =>
        new(WorkingDirectory, stage, initialStep, RunName);

    protected static readonly StatsKeys EnergyKeys = new("total_energy", "pmove", "energy:kinetic_var");

    protected static StatsRecord Record(long step, string stage = "train") =>
        new(stage, step, EnergyKeys, [-2.9 + (step * 1e-3), 0.5 + (step % 7 * 0.01), 1.0 / (step + 3)]);

    protected async Task WriteStepsAsync(string stage, long initialStep, long fromStep, long toStepExclusive, int batchSize = 7)
    {
        await using var writer = CreateWriter();
        await writer.OpenAsync(Context(stage, initialStep), CancellationToken.None);
        var batch = new List<StatsRecord>();
        for (var s = fromStep; s < toStepExclusive; s++)
        {
            batch.Add(Record(s, stage));
            if (batch.Count == batchSize)
            {
                await writer.WriteAsync(batch, CancellationToken.None);
                batch = [];
            }
        }

        if (batch.Count > 0)
        {
            await writer.WriteAsync(batch, CancellationToken.None);
        }

        await writer.CloseAsync(StageOutcome.Completed, CancellationToken.None);
    }

    protected static void AssertRowsEqual(IEnumerable<StatsRecord> expected, IReadOnlyList<WrittenRow> actual)
    {
        var expectedList = expected.ToList();
        Assert.Equal(expectedList.Select(r => r.Step), actual.Select(r => r.Step));
        for (var i = 0; i < expectedList.Count; i++)
        {
            var want = expectedList[i].ToDictionary();
            var got = actual[i].Values;
            Assert.Equal(want.Keys.OrderBy(k => k, StringComparer.Ordinal), got.Keys.OrderBy(k => k, StringComparer.Ordinal));
            foreach (var (key, value) in want)
            {
                // Exact: every writer must round-trip doubles bit for bit (NaN compares equal to NaN here).
                Assert.True(value.Equals(got[key]), $"step {expectedList[i].Step}, key '{key}': wrote {value:R}, read {got[key]:R}");
            }
        }
    }

    [Fact]
    public async Task OpenWriteClose_RoundTripsEveryValue()
    {
        await WriteStepsAsync("train", 0, 0, 50);

        AssertRowsEqual(Enumerable.Range(0, 50).Select(s => Record(s)), await ReadBackAsync("train"));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(20)]
    [InlineData(49)]
    [InlineData(50)]
    [InlineData(1000)]
    public async Task Reopen_WithInitialStep_KeepsExactlyTheRowsBeforeIt(long initialStep)
    {
        await WriteStepsAsync("train", 0, 0, 50);

        // A resumed run reopens at initialStep and writes from there on.
        var resumeFrom = Math.Min(initialStep, 50);
        await WriteStepsAsync("train", initialStep, initialStep, initialStep + 10);

        var expected = Enumerable.Range(0, (int)resumeFrom).Select(s => Record(s))
            .Concat(Enumerable.Range((int)initialStep, 10).Select(s => Record(s)));
        AssertRowsEqual(expected, await ReadBackAsync("train"));
    }

    [Fact]
    public async Task Reopen_AfterCrashWithoutClose_KeepsRowsBeforeInitialStep()
    {
        var writer = CreateWriter();
        await writer.OpenAsync(Context(), CancellationToken.None);
        await writer.WriteAsync(Enumerable.Range(0, 30).Select(s => Record(s)).ToList(), CancellationToken.None);
        await writer.FlushAsync(CancellationToken.None);

        // The process "dies": no Close. Dispose only releases handles so the test can reopen.
        await writer.DisposeAsync();

        await WriteStepsAsync("train", 10, 10, 15);
        AssertRowsEqual(Enumerable.Range(0, 15).Select(s => Record(s)), await ReadBackAsync("train"));
    }

    [Fact]
    public async Task Stages_AreKeptApart()
    {
        await WriteStepsAsync("train", 0, 0, 20);
        await WriteStepsAsync("evaluation", 0, 0, 5);
        await WriteStepsAsync("evaluation", 3, 3, 4);

        AssertRowsEqual(Enumerable.Range(0, 20).Select(s => Record(s)), await ReadBackAsync("train"));
        AssertRowsEqual(Enumerable.Range(0, 4).Select(s => Record(s, "evaluation")), await ReadBackAsync("evaluation"));
    }

    [Fact]
    public async Task NaNAndInfinities_RoundTripAsValues()
    {
        var keys = new StatsKeys("nan", "pinf", "ninf", "tiny", "negzero", "max");
        var records = new[]
        {
            new StatsRecord("train", 0, keys, [double.NaN, double.PositiveInfinity, double.NegativeInfinity, double.Epsilon, -0.0, double.MaxValue]),
            new StatsRecord("train", 1, keys, [0.1, 1e300, -1e-300, 1.0 / 3.0, 123456789.123456789, double.MinValue]),
        };

        await using var writer = CreateWriter();
        await writer.OpenAsync(Context(), CancellationToken.None);
        await writer.WriteAsync(records, CancellationToken.None);
        await writer.CloseAsync(StageOutcome.Completed, CancellationToken.None);

        AssertRowsEqual(records, await ReadBackAsync("train"));
    }

    public static TheoryData<string> AwkwardKeys() =>
    [
        "energy:kinetic_var",
        "with space",
        "comma,inside",
        "quote\"inside",
        "new\nline",
        "slash/inside",
        "énergie_λ_能量",
        "'; DROP TABLE stats; --",
        new string('k', 1000),
    ];

    [Theory]
    [MemberData(nameof(AwkwardKeys))]
    public async Task AwkwardKeys_RoundTrip(string key)
    {
        var keys = new StatsKeys(key, "total_energy");
        var records = Enumerable.Range(0, 3).Select(s => new StatsRecord("train", s, keys, [s * 0.5, -1.0 * s])).ToList();

        await using var writer = CreateWriter();
        await writer.OpenAsync(Context(), CancellationToken.None);
        await writer.WriteAsync(records, CancellationToken.None);
        await writer.CloseAsync(StageOutcome.Completed, CancellationToken.None);

        AssertRowsEqual(records, await ReadBackAsync("train"));
    }

    [Fact]
    public async Task KeyAppearingMidStage_DoesNotMisalignEarlierRows()
    {
        var early = new StatsKeys("b", "d");
        var late = new StatsKeys("a", "b", "c", "d");
        var records = new List<StatsRecord>
        {
            new("train", 0, early, [1, 2]),
            new("train", 1, early, [3, 4]),
            new("train", 2, late, [5, 6, 7, 8]),
            new("train", 3, early, [9, 10]),
        };

        await using var writer = CreateWriter();
        await writer.OpenAsync(Context(), CancellationToken.None);
        await writer.WriteAsync(records.Take(2).ToList(), CancellationToken.None);
        await writer.WriteAsync(records.Skip(2).ToList(), CancellationToken.None);
        await writer.CloseAsync(StageOutcome.Completed, CancellationToken.None);

        var rows = await ReadBackAsync("train");
        Assert.Equal([0L, 1, 2, 3], rows.Select(r => r.Step));
        for (var i = 0; i < records.Count; i++)
        {
            foreach (var (key, value) in records[i].ToDictionary())
            {
                Assert.Equal(value, rows[i].Values[key]);
            }

            // Absent keys read back as absent (or NaN, for column stores that cannot tell them apart).
            foreach (var missing in late.Except(records[i].Keys))
            {
                Assert.True(!rows[i].Values.TryGetValue(missing, out var v) || double.IsNaN(v), $"step {i} key {missing}");
            }
        }
    }

    [Fact]
    public async Task WriteBeforeOpen_IsAnError()
    {
        await using var writer = CreateWriter();
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await writer.WriteAsync([Record(0)], CancellationToken.None));
    }

    [Theory]
    [InlineData("")]
    [InlineData("..")]
    [InlineData("../escape")]
    [InlineData("a/b")]
    public async Task Open_RejectsStageNamesThatAreNotPlainNames(string stage)
    {
        await using var writer = CreateWriter();
        await Assert.ThrowsAsync<ArgumentException>(async () => await writer.OpenAsync(Context(stage), CancellationToken.None));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(WorkingDirectory)!, "*escape*"));
    }

    [Fact]
    public async Task ManyRecordsInOneBatch_AreAllWritten()
    {
        var records = Enumerable.Range(0, 20_000).Select(s => Record(s)).ToList();
        await using var writer = CreateWriter();
        await writer.OpenAsync(Context(), CancellationToken.None);
        await writer.WriteAsync(records, CancellationToken.None);
        await writer.CloseAsync(StageOutcome.Completed, CancellationToken.None);

        AssertRowsEqual(records, await ReadBackAsync("train"));
    }

    [Fact]
    public async Task FlushedRecords_AreReadableWhileTheWriterIsOpen()
    {
        await using var writer = CreateWriter();
        await writer.OpenAsync(Context(), CancellationToken.None);
        await writer.WriteAsync(Enumerable.Range(0, 10).Select(s => Record(s)).ToList(), CancellationToken.None);
        await writer.FlushAsync(CancellationToken.None);

        AssertRowsEqual(Enumerable.Range(0, 10).Select(s => Record(s)), await ReadBackAsync("train"));
        await writer.CloseAsync(StageOutcome.Completed, CancellationToken.None);
    }
}
