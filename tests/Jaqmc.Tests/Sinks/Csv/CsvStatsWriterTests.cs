using System.Globalization;
using System.Text;
using Jaqmc.Sinks;
using Jaqmc.Sinks.Csv;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;

namespace Jaqmc.Tests.Sinks.Csv;

public sealed class CsvStatsWriterTests : StatsWriterContractTests
{
    private readonly FakeLogger<CsvStatsWriter> _logger = new();

    protected override IStatsWriter CreateWriter() => new CsvStatsWriter(new CsvWriterOptions(), _logger);

    protected override Task<IReadOnlyList<WrittenRow>> ReadBackAsync(string stage) =>
        Task.FromResult(CsvTestFiles.Read(Path.Combine(WorkingDirectory, $"{stage}_stats.csv")));

    private string TrainCsv => Path.Combine(WorkingDirectory, "train_stats.csv");

    [Fact]
    public async Task Header_IsStepThenKeysInOrdinalOrder_AndValuesAreShortestRoundTrip()
    {
        var keys = new StatsKeys("pmove", "energy:kinetic", "Zeta", "total_energy");
        await using var writer = CreateWriter();
        await writer.OpenAsync(Context(), CancellationToken.None);
        await writer.WriteAsync([new StatsRecord("train", 0, keys, [0.5, 0.1, double.NaN, double.NegativeInfinity])], CancellationToken.None);
        await writer.CloseAsync(StageOutcome.Completed, CancellationToken.None);

        Assert.Equal("step,Zeta,energy:kinetic,pmove,total_energy\n0,NaN,0.1,0.5,-Infinity\n", await File.ReadAllTextAsync(TrainCsv));
    }

    [Fact]
    public async Task WholeNumbers_AreWrittenAsFloats_AndReadBackBitForBit()
    {
        // pandas reads a column of "2"s as int64; "2.0" is a float. Exponents already read as floats, and
        // NaN/Infinity keep their spelling.
        double[] values = [2, -0.0, 0, -3, 999_999_999_999_999, 1e15, 1e16, 9_007_199_254_740_992, 1e300, 0.5, 5e-324, double.NaN, double.PositiveInfinity, double.NegativeInfinity];
        var keys = new StatsKeys(values.Select((_, i) => $"k{i:00}"));
        await using (var writer = CreateWriter())
        {
            await writer.OpenAsync(Context(), CancellationToken.None);
            await writer.WriteAsync([new StatsRecord("train", 0, keys, values)], CancellationToken.None);
            await writer.CloseAsync(StageOutcome.Completed, CancellationToken.None);
        }

        var lines = await File.ReadAllLinesAsync(TrainCsv);
        Assert.Equal("0,2.0,-0.0,0.0,-3.0,999999999999999.0,1000000000000000.0,10000000000000000.0,9007199254740992.0,1E+300,0.5,5E-324,NaN,Infinity,-Infinity", lines[1]);
        var read = Assert.Single(CsvTestFiles.Read(TrainCsv));
        Assert.Equal(
            values.Select(BitConverter.DoubleToInt64Bits),
            keys.Select(k => BitConverter.DoubleToInt64Bits(read.Values[k])));
    }

    [Fact]
    public async Task WholeNumbers_InALargeBatch_AreWrittenAsFloats_AndSurviveAResume()
    {
        // 3,000 rows go through the formatting split across cores; the resume scanner must keep every one of them.
        var keys = new StatsKeys("count", "negative", "billions");
        var records = Enumerable.Range(0, 3_000)
            .Select(s => new StatsRecord("train", s, keys, [s, -s - 1, s * 1e9]))
            .ToList();
        await using (var writer = CreateWriter())
        {
            await writer.OpenAsync(Context(), CancellationToken.None);
            await writer.WriteAsync(records, CancellationToken.None);
            await writer.CloseAsync(StageOutcome.Completed, CancellationToken.None);
        }

        await using (var resumed = CreateWriter())
        {
            await resumed.OpenAsync(Context(initialStep: 2_500), CancellationToken.None);
            await resumed.WriteAsync(records.Skip(2_500).ToList(), CancellationToken.None);
            await resumed.CloseAsync(StageOutcome.Completed, CancellationToken.None);
        }

        var expected = new StringBuilder("step,billions,count,negative\n");
        for (var s = 0L; s < 3_000; s++)
        {
            expected.Append(CultureInfo.InvariantCulture, $"{s},{s * 1_000_000_000}.0,{s}.0,{-s - 1}.0\n");
        }

        Assert.Equal(expected.ToString(), await File.ReadAllTextAsync(TrainCsv));
        Assert.Equal(["train_stats.csv"], Directory.GetFiles(WorkingDirectory).Select(Path.GetFileName)); // nothing dropped or moved aside
    }

    [Fact]
    public async Task AwkwardKeys_AreQuotedPerRfc4180()
    {
        var keys = new StatsKeys("a,b", "say \"hi\"", "line\nbreak");
        await using var writer = CreateWriter();
        await writer.OpenAsync(Context(), CancellationToken.None);
        await writer.WriteAsync([new StatsRecord("train", 3, keys, [1, 2, 3])], CancellationToken.None);
        await writer.CloseAsync(StageOutcome.Completed, CancellationToken.None);

        Assert.Equal("step,\"a,b\",\"line\nbreak\",\"say \"\"hi\"\"\"\n3,1.0,3.0,2.0\n", await File.ReadAllTextAsync(TrainCsv));
    }

    [Fact]
    public async Task CommaDecimalCulture_DoesNotChangeTheFile()
    {
        var previous = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
            CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("de-DE");
            await WriteStepsAsync("train", 0, 0, 3);
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
            CultureInfo.CurrentUICulture = previous;
        }

        var text = await File.ReadAllTextAsync(TrainCsv);
        Assert.Contains("\n0,0.3333333333333333,0.5,-2.9\n1,0.25,0.51,-2.899\n", text, StringComparison.Ordinal);
        AssertRowsEqual(Enumerable.Range(0, 3).Select(s => Record(s)), await ReadBackAsync("train"));
    }

    [Fact]
    public async Task TornLastLine_IsCutOffOnResume()
    {
        await WriteStepsAsync("train", 0, 0, 10);
        await File.AppendAllTextAsync(TrainCsv, "10,-2.89,0.5"); // killed mid-row: no newline

        await WriteStepsAsync("train", 10, 10, 12);

        AssertRowsEqual(Enumerable.Range(0, 12).Select(s => Record(s)), await ReadBackAsync("train"));
    }

    [Fact]
    public async Task ForeignHeader_IsMovedAsideWithAWarning_AndANewFileStarts()
    {
        await File.WriteAllTextAsync(TrainCsv, "time,value\n1,2\n");

        await WriteStepsAsync("train", 5, 5, 7);

        AssertRowsEqual(Enumerable.Range(5, 2).Select(s => Record(s)), await ReadBackAsync("train"));
        var aside = Assert.Single(Directory.GetFiles(WorkingDirectory, "train_stats.csv.foreign-*"));
        Assert.Equal("time,value\n1,2\n", await File.ReadAllTextAsync(aside));
        Assert.Contains(_logger.Collector.GetSnapshot(), r => r.Level == Microsoft.Extensions.Logging.LogLevel.Warning && r.Message.Contains("not a stats file", StringComparison.Ordinal));
    }

    [Fact]
    public async Task GarbageLines_AreDroppedWithACopyKept_AndValidRowsSurvive()
    {
        await WriteStepsAsync("train", 0, 0, 6);
        var lines = (await File.ReadAllLinesAsync(TrainCsv)).ToList();
        lines.Insert(3, "this is not a row");
        await File.WriteAllTextAsync(TrainCsv, string.Join('\n', lines) + "\n");

        await WriteStepsAsync("train", 6, 6, 8);

        AssertRowsEqual(Enumerable.Range(0, 8).Select(s => Record(s)), await ReadBackAsync("train"));
        Assert.Single(Directory.GetFiles(WorkingDirectory, "train_stats.csv.malformed-*"));
        Assert.Contains(_logger.Collector.GetSnapshot(), r => r.Message.Contains("malformed line(s) (first: line 4)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ResumeIsByStepNotByPosition()
    {
        // A run that started at step 100 (say, after a reset) has rows 100..109; resuming at 105 keeps 100..104.
        await WriteStepsAsync("train", 100, 100, 110);
        await WriteStepsAsync("train", 105, 105, 107);

        AssertRowsEqual(Enumerable.Range(100, 7).Select(s => Record(s)), await ReadBackAsync("train"));
    }

    [Fact]
    public async Task TrickledRecords_AreNotWrittenPerRow_ButFlushWritesThem()
    {
        var writer = new CsvStatsWriter(new CsvWriterOptions { FlushInterval = TimeSpan.FromHours(1) }, NullLogger<CsvStatsWriter>.Instance);
        await writer.OpenAsync(Context(), CancellationToken.None);
        await writer.WriteAsync([Record(0)], CancellationToken.None);
        await writer.WriteAsync([Record(1)], CancellationToken.None);
        Assert.Equal(0, new FileInfo(TrainCsv).Length);

        await writer.FlushAsync(CancellationToken.None);
        Assert.Equal(2, (await ReadBackAsync("train")).Count);
        await writer.DisposeAsync();
    }

    [Fact]
    public async Task KeyDisappearing_LeavesAnEmptyCell()
    {
        var both = new StatsKeys("a", "b");
        var onlyA = new StatsKeys("a");
        await using var writer = CreateWriter();
        await writer.OpenAsync(Context(), CancellationToken.None);
        await writer.WriteAsync([new StatsRecord("train", 0, both, [1, 2]), new StatsRecord("train", 1, onlyA, [3])], CancellationToken.None);
        await writer.WriteAsync([new StatsRecord("train", 2, new StatsKeys("c", "a"), [5, 4])], CancellationToken.None);
        await writer.CloseAsync(StageOutcome.Completed, CancellationToken.None);

        Assert.Equal("step,a,b,c\n0,1.0,2.0,\n1,3.0,,\n2,4.0,,5.0\n", await File.ReadAllTextAsync(TrainCsv, Encoding.UTF8));
    }

    [Fact]
    public async Task ALargeBatch_FormattedOnEveryCore_IsTheSameFileAsOneRecordAtATime()
    {
        // A backlog batch is split across cores; rows must come out whole and in step order, with mixed key sets.
        var keySets = new[] { new StatsKeys("a", "b"), new StatsKeys("a"), new StatsKeys("c", "a", "b") };
        var records = Enumerable.Range(0, 5_003)
            .Select(s => new StatsRecord("train", s, keySets[s % 3], Enumerable.Range(0, keySets[s % 3].Count).Select(i => (s * 0.1) + i + double.Epsilon).ToArray()))
            .ToList();

        await using (var batched = CreateWriter())
        {
            await batched.OpenAsync(Context(), CancellationToken.None);
            await batched.WriteAsync([records[0], records[1]], CancellationToken.None);
            await batched.WriteAsync(records.Skip(2).ToList(), CancellationToken.None);
            await batched.CloseAsync(StageOutcome.Completed, CancellationToken.None);
        }

        var batchedText = await File.ReadAllTextAsync(TrainCsv, Encoding.UTF8);
        File.Delete(TrainCsv);
        await using (var single = CreateWriter())
        {
            await single.OpenAsync(Context(), CancellationToken.None);
            foreach (var record in records)
            {
                await single.WriteAsync([record], CancellationToken.None);
            }

            await single.CloseAsync(StageOutcome.Completed, CancellationToken.None);
        }

        Assert.Equal(await File.ReadAllTextAsync(TrainCsv, Encoding.UTF8), batchedText);
        Assert.Equal(5_004, batchedText.Count(c => c == '\n'));
        Assert.StartsWith("step,a,b,c\n0,", batchedText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PathTemplate_RelativeResolvesUnderWorkingDirectory()
    {
        var writer = new CsvStatsWriter(new CsvWriterOptions { PathTemplate = "stats/{stage}.csv" }, _logger);
        await writer.OpenAsync(Context("pretrain"), CancellationToken.None);
        await writer.WriteAsync([Record(0, "pretrain")], CancellationToken.None);
        await writer.CloseAsync(StageOutcome.Completed, CancellationToken.None);

        Assert.True(File.Exists(Path.Combine(WorkingDirectory, "stats", "pretrain.csv")));
    }
}
