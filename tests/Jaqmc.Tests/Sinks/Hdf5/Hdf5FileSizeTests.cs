using Jaqmc.Sinks;
using Jaqmc.Sinks.Csv;
using Jaqmc.Sinks.Hdf5;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jaqmc.Tests.Sinks.Hdf5;

/// <summary>
/// A short stage's HDF5 file is about as small as its CSV: the append layout allocates whole chunks (one 32 KiB chunk
/// per key and a 512 KiB <c>step</c> chunk), so a completed stage shorter than a chunk is rewritten with chunks that
/// fit its rows.
/// </summary>
public sealed class Hdf5FileSizeTests : IDisposable
{
    private static readonly StatsKeys TenKeys = new(Enumerable.Range(0, 10).Select(i => $"stat_{i:00}"));

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "jaqmc-tests", nameof(Hdf5FileSizeTests), Guid.NewGuid().ToString("N"));

    private string H5Path => Path.Combine(_directory, "train_stats.h5");

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }

    [Fact]
    public async Task ACompletedShortStageOfTenKeys_IsNoLargerThanItsCsv_AndKeepsEveryRow()
    {
        // 300 steps of 10 full-precision statistics, flushed every 10 steps as a run with the default 1 s
        // FlushInterval would. Measured: CSV 60,069 bytes; HDF5 884,922 bytes before the rewrite at close.
        var records = Records(0, 300);
        await WriteStageAsync(new CsvStatsWriter(new CsvWriterOptions(), NullLogger<CsvStatsWriter>.Instance), 0, records, StageOutcome.Completed);
        await WriteStageAsync(NewHdf5Writer(), 0, records, StageOutcome.Completed);

        var csv = new FileInfo(Path.Combine(_directory, "train_stats.csv")).Length;
        var h5 = new FileInfo(H5Path).Length;
        Assert.True(h5 <= csv, $"the HDF5 file is {h5:N0} bytes, more than its CSV's {csv:N0}");
        Assert.False(File.Exists(H5Path + ".resume"), "the rewrite left its temporary file behind");

        var file = ExternalTools.ReadWithH5py(H5Path);
        Assert.Equal(Enumerable.Range(0, 300).Select(s => (long)s), file.Steps);
        foreach (var (key, index) in TenKeys.Select((k, i) => (k, i)))
        {
            Assert.Equal(records.Select(r => r.Values[index]), file.ColumnsByKey()[key]);
        }
    }

    [Fact]
    public async Task ACompactedFile_ResumesAtAnEarlierStep_WithExactlyOneRowPerStep()
    {
        await WriteStageAsync(NewHdf5Writer(), 0, Records(0, 300), StageOutcome.Completed);
        var resumed = Records(200, 500);
        await WriteStageAsync(NewHdf5Writer(), 200, resumed, StageOutcome.Completed);

        var file = ExternalTools.ReadWithH5py(H5Path);
        Assert.Equal(Enumerable.Range(0, 500).Select(s => (long)s), file.Steps);
        Assert.Equal(Records(0, 500).Select(r => r.Values[7]), file.ColumnsByKey()["stat_07"]);
    }

    [Theory]
    [InlineData(StageOutcome.Interrupted, true)]
    [InlineData(StageOutcome.Completed, false)]
    public async Task AStageThatIsNotCompleted_OrWithCompactionOff_KeepsTheAppendLayout(StageOutcome outcome, bool compact)
    {
        // An interrupted stage will be resumed (and rewritten then), so its close stays quick.
        await WriteStageAsync(NewHdf5Writer(compact), 0, Records(0, 300), outcome);

        Assert.True(new FileInfo(H5Path).Length > 500_000, "the file was rewritten");
        Assert.Equal(300, ExternalTools.ReadWithH5py(H5Path).Steps.Length);
    }

    private static Hdf5StatsWriter NewHdf5Writer(bool compact = true) =>
        new(new Hdf5WriterOptions { CompactSmallFiles = compact }, NullLogger<Hdf5StatsWriter>.Instance);

    private static List<StatsRecord> Records(int from, int to) =>
        [.. Enumerable.Range(from, to - from)
            .Select(s => new StatsRecord("train", s, TenKeys, [.. Enumerable.Range(0, TenKeys.Count).Select(i => Math.Sin(s + i))]))];

    private async Task WriteStageAsync(IStatsWriter writer, long initialStep, List<StatsRecord> records, StageOutcome outcome)
    {
        await using (writer)
        {
            await writer.OpenAsync(new WriterContext(_directory, "train", initialStep, "run"), CancellationToken.None);
            foreach (var batch in records.Chunk(10))
            {
                await writer.WriteAsync(batch, CancellationToken.None);
                await writer.FlushAsync(CancellationToken.None);
            }

            await writer.CloseAsync(outcome, CancellationToken.None);
        }
    }
}
