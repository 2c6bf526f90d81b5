using Jaqmc.Sinks;
using Jaqmc.Sinks.Csv;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jaqmc.Tests.Sinks.Csv;

/// <summary>The CSV writer's own reader: reads back exactly what the writer wrote, in the same dialect.</summary>
public sealed class CsvStatsReaderTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "jaqmc-tests", "csv-reader", Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task ReadsBackAwkwardKeys_NonFiniteValues_LateKeys_AndLeavesOutATornLastLine()
    {
        // A key with a quote, a comma and a newline in it spans header lines; a key appearing late leaves empty cells.
        var early = new StatsKeys("energy", "a \"b\",\nc");
        var late = new StatsKeys("energy", "a \"b\",\nc", "pmove");
        await using (var writer = new CsvStatsWriter(new CsvWriterOptions(), NullLogger<CsvStatsWriter>.Instance))
        {
            await writer.OpenAsync(new WriterContext(_directory, "train", 0, "reader", null), CancellationToken.None);
            await writer.WriteAsync(
                [
                    new StatsRecord("train", 0, early, [-2.5, double.NaN]),
                    new StatsRecord("train", 1, late, [double.PositiveInfinity, -0.0, 0.5]),
                ],
                CancellationToken.None);
            await writer.CloseAsync(StageOutcome.Completed, CancellationToken.None);
        }

        var path = Path.Combine(_directory, "train_stats.csv");
        await File.AppendAllTextAsync(path, "2,-2.4");

        var data = await CsvStatsReader.ReadAsync(path);

        Assert.Equal([0L, 1], data.Steps);
        Assert.Equal(["a \"b\",\nc", "energy", "pmove"], data.Columns.Keys.Order(StringComparer.Ordinal));
        Assert.Equal([-2.5, double.PositiveInfinity], data.Columns["energy"]);
        Assert.True(double.IsNaN(data.Columns["a \"b\",\nc"][0]));
        Assert.Equal(BitConverter.DoubleToInt64Bits(-0.0), BitConverter.DoubleToInt64Bits(data.Columns["a \"b\",\nc"][1]));
        Assert.True(double.IsNaN(data.Columns["pmove"][0]));
        Assert.Equal(0.5, data.Columns["pmove"][1]);
    }

    [Fact]
    public async Task AFileThatIsNotOurs_IsRefusedWithItsName()
    {
        Directory.CreateDirectory(_directory);
        var path = Path.Combine(_directory, "other.csv");
        await File.WriteAllTextAsync(path, "time,value\n1,2\n");

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => CsvStatsReader.ReadAsync(path));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("'step'", error.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
