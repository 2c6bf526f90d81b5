using Jaqmc.Sinks;
using Jaqmc.Sinks.Csv;
using Jaqmc.Sinks.Hdf5;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jaqmc.Tests.Sinks.Hdf5;

/// <summary>A short run's HDF5 file is about as small as its CSV (HDF5 allocates whole chunks, so chunks must be short).</summary>
public sealed class Hdf5FileSizeTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "jaqmc-tests", nameof(Hdf5FileSizeTests), Guid.NewGuid().ToString("N"));

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
    public async Task AShortRunOfTenKeys_IsWithinThreeTimesItsCsv()
    {
        // 300 steps of 10 full-precision statistics, flushed every 10 steps (many small appends, as a slow run's
        // 1 s FlushInterval gives). Measured: CSV 60,069 bytes, HDF5 147,642 (it was 884,922 with 4096- and 65,537-row
        // chunks). What remains is one 8 KiB chunk per key, one 32 KiB step chunk and ~2 KiB of chunk index each.
        var keys = new StatsKeys(Enumerable.Range(0, 10).Select(i => $"stat_{i:00}"));
        var records = Enumerable.Range(0, 300)
            .Select(s => new StatsRecord("train", s, keys, Enumerable.Range(0, keys.Count).Select(i => Math.Sin(s + i)).ToArray()))
            .ToList();
        IStatsWriter[] writers =
        [
            new CsvStatsWriter(new CsvWriterOptions(), NullLogger<CsvStatsWriter>.Instance),
            new Hdf5StatsWriter(new Hdf5WriterOptions(), NullLogger<Hdf5StatsWriter>.Instance),
        ];
        foreach (var writer in writers)
        {
            await using (writer)
            {
                await writer.OpenAsync(new WriterContext(_directory, "train", 0, "run"), CancellationToken.None);
                foreach (var batch in records.Chunk(10))
                {
                    await writer.WriteAsync(batch, CancellationToken.None);
                    await writer.FlushAsync(CancellationToken.None);
                }

                await writer.CloseAsync(StageOutcome.Completed, CancellationToken.None);
            }
        }

        var csv = new FileInfo(Path.Combine(_directory, "train_stats.csv")).Length;
        var h5 = new FileInfo(Path.Combine(_directory, "train_stats.h5")).Length;
        Assert.True(h5 <= 3 * csv, $"the HDF5 file is {h5:N0} bytes, more than 3 × its CSV's {csv:N0}");
        Assert.True(h5 <= 160_000, $"the HDF5 file is {h5:N0} bytes");

        // Still every row, as h5py reads it.
        var file = ExternalTools.ReadWithH5py(Path.Combine(_directory, "train_stats.h5"));
        Assert.Equal(Enumerable.Range(0, 300).Select(s => (long)s), file.Steps);
        Assert.Equal(records.Select(r => r.Values[3]), file.ColumnsByKey()["stat_03"]);
    }
}
