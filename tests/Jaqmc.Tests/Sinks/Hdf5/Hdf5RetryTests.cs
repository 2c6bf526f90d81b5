using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Jaqmc.Sinks;
using Jaqmc.Sinks.Hdf5;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jaqmc.Tests.Sinks.Hdf5;

/// <summary>A write that fails half-way and is retried with the same batch leaves every row exactly once.</summary>
public sealed class Hdf5RetryTests : IDisposable
{
    private const int LateKeyFrom = 40;
    private static readonly StatsKeys Keys = new("a", "b");
    private static readonly StatsKeys KeysWithLate = new("a", "b", "late/key");

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "jaqmc-tests", nameof(Hdf5RetryTests), Guid.NewGuid().ToString("N"));

    public Hdf5RetryTests() => Directory.CreateDirectory(_directory);

    private string FilePath => Path.Combine(_directory, "train_stats.h5");

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

    private static StatsRecord Record(long step) =>
        step < LateKeyFrom ? new("train", step, Keys, [step, -step]) : new("train", step, KeysWithLate, [step, -step, step * 10]);

    private static List<StatsRecord> Steps(int from, int count) => Enumerable.Range(from, count).Select(s => Record(s)).ToList();

    private async Task<Hdf5StatsWriter> OpenAsync()
    {
        var writer = new Hdf5StatsWriter(new Hdf5WriterOptions { ChunkSize = 10 }, NullLogger<Hdf5StatsWriter>.Instance);
        await writer.OpenAsync(new WriterContext(_directory, "train", 0, "run"), CancellationToken.None);
        return writer;
    }

    /// <summary>Makes the open file's next append throw once after <paramref name="failAt"/>; returns how often the stage was reached.</summary>
    private static StrongBox<int> FailOnce(Hdf5StatsWriter writer, string failAt)
    {
        var reached = new StrongBox<int>();
        writer.OpenFile!.FaultInjection = stage =>
        {
            if (stage == failAt && reached.Value++ == 0)
            {
                throw new IOException($"injected failure after '{stage}'");
            }
        };
        return reached;
    }

    private void AssertRows(int count)
    {
        var rows = Hdf5StatsReader.Read(FilePath);
        Assert.Equal(Enumerable.Range(0, count).Select(s => (long)s), rows.Steps);
        Assert.Equal(Enumerable.Range(0, count).Select(s => (double)s), rows.Columns["a"]);
        Assert.Equal(Enumerable.Range(0, count).Select(s => s < LateKeyFrom ? double.NaN : s * 10.0), rows.Columns["late/key"]);
        var file = ExternalTools.ReadWithH5py(FilePath);
        Assert.All(file.Datasets.Values, d => Assert.Equal(count, d.Length));
    }

    [Theory]
    [InlineData("values")]
    [InlineData("step")]
    public async Task RetriedAppendInPlace_AfterAFailureHalfWay_WritesEveryRowOnce(string failAt)
    {
        await using var writer = await OpenAsync();
        await writer.WriteAsync(Steps(0, 6), CancellationToken.None);
        await writer.FlushAsync(CancellationToken.None);

        // The next batch fills the buffer to ChunkSize with no new key, so it is appended in place, and fails there once.
        var reached = FailOnce(writer, failAt);
        var batch = Steps(6, 10);
        await Assert.ThrowsAsync<IOException>(async () => await writer.WriteAsync(batch, CancellationToken.None));

        // What a reader sees after the failure is still a consistent prefix: the rows flushed before.
        Assert.Equal(Enumerable.Range(0, 6).Select(s => (long)s), ExternalTools.ReadWithH5py(FilePath).Steps);

        await writer.WriteAsync(batch, CancellationToken.None);
        await writer.WriteAsync(Steps(16, 34), CancellationToken.None);
        await writer.CloseAsync(StageOutcome.Completed, CancellationToken.None);

        AssertRows(50);
        Assert.True(reached.Value >= 2, "the retry did not go through the stage that failed");
    }

    [Theory]
    [InlineData(0, "values")]
    [InlineData(0, "rebuilt")]
    [InlineData(36, "values")]
    [InlineData(36, "rebuilt")]
    public async Task RetriedAppendThatNeedsNewDatasets_AfterAFailure_LeavesTheFileAsItWas_AndWritesEveryRowOnce(int flushedRows, string failAt)
    {
        // New datasets are needed by a file's first rows (flushedRows 0) and by a key that appears mid-stage
        // (flushedRows 36, the late key from step 40); they are built in a fresh file, which fails here once while
        // it is written ("values") or once it is complete, before the rename ("rebuilt").
        await using var writer = await OpenAsync();
        if (flushedRows > 0)
        {
            await writer.WriteAsync(Steps(0, flushedRows), CancellationToken.None);
            await writer.FlushAsync(CancellationToken.None);
        }

        var before = await File.ReadAllBytesAsync(FilePath);
        var reached = FailOnce(writer, failAt);
        var batch = Steps(flushedRows, 10);
        await Assert.ThrowsAsync<IOException>(async () => await writer.WriteAsync(batch, CancellationToken.None));

        Assert.Equal(SHA256.HashData(before), SHA256.HashData(await File.ReadAllBytesAsync(FilePath)));
        Assert.Equal(Enumerable.Range(0, flushedRows).Select(s => (long)s), ExternalTools.ReadWithH5py(FilePath).Steps);

        await writer.WriteAsync(batch, CancellationToken.None);
        await writer.WriteAsync(Steps(flushedRows + 10, 50 - flushedRows - 10), CancellationToken.None);
        await writer.CloseAsync(StageOutcome.Completed, CancellationToken.None);

        AssertRows(50);
        Assert.False(File.Exists(Hdf5ColumnFile.ResumeTemporaryPath(FilePath)), "the fresh file was left behind");
        Assert.True(reached.Value >= 2, "the retry did not go through the stage that failed");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(36)]
    public async Task RowsThatNeedNewDatasets_NeverWriteToTheLiveFile_UntilTheRenameReplacesIt(int flushedRows)
    {
        // A kill while HDF5 adds a dataset in place can leave a file no reader opens; so up to the rename that
        // makes the new datasets visible, the file readers see must not change by one byte.
        await using var writer = await OpenAsync();
        if (flushedRows > 0)
        {
            await writer.WriteAsync(Steps(0, flushedRows), CancellationToken.None);
            await writer.FlushAsync(CancellationToken.None);
        }

        var before = SHA256.HashData(await File.ReadAllBytesAsync(FilePath));
        byte[]? atRename = null;
        var freshComplete = false;
        writer.OpenFile!.FaultInjection = stage =>
        {
            if (stage == "rebuilt")
            {
                atRename = SHA256.HashData(File.ReadAllBytes(FilePath));
                freshComplete = ExternalTools.ReadWithH5py(Hdf5ColumnFile.ResumeTemporaryPath(FilePath)).Steps.Length == flushedRows + 5;
            }
        };
        await writer.WriteAsync(Steps(flushedRows, 5), CancellationToken.None);
        await writer.FlushAsync(CancellationToken.None);

        Assert.NotNull(atRename);
        Assert.Equal(before, atRename);
        Assert.True(freshComplete, "the fresh file did not hold every row before the rename");
        Assert.Equal(Enumerable.Range(0, flushedRows + 5).Select(s => (long)s), ExternalTools.ReadWithH5py(FilePath).Steps);
    }
}
