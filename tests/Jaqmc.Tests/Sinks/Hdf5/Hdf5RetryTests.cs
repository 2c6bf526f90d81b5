using Jaqmc.Sinks;
using Jaqmc.Sinks.Hdf5;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jaqmc.Tests.Sinks.Hdf5;

/// <summary>A write that fails half-way and is retried with the same batch leaves every row exactly once.</summary>
public sealed class Hdf5RetryTests : IDisposable
{
    private static readonly StatsKeys Keys = new("a", "b");
    private static readonly StatsKeys KeysWithLate = new("a", "b", "late/key");

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "jaqmc-tests", nameof(Hdf5RetryTests), Guid.NewGuid().ToString("N"));

    public Hdf5RetryTests() => Directory.CreateDirectory(_directory);

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
        step < 12 ? new("train", step, Keys, [step, -step]) : new("train", step, KeysWithLate, [step, -step, step * 10]);

    private static List<StatsRecord> Steps(int from, int count) => Enumerable.Range(from, count).Select(s => Record(s)).ToList();

    [Theory]
    [InlineData("values")]
    [InlineData("step")]
    public async Task RetriedWrite_AfterAFailureHalfWay_WritesEveryRowOnce(string failAt)
    {
        await using var writer = new Hdf5StatsWriter(new Hdf5WriterOptions { ChunkSize = 10 }, NullLogger<Hdf5StatsWriter>.Instance);
        await writer.OpenAsync(new WriterContext(_directory, "train", 0, "run"), CancellationToken.None);
        await writer.WriteAsync(Steps(0, 6), CancellationToken.None);

        // The second batch fills the buffer past ChunkSize, so it goes to the file, and fails there once.
        var reached = 0;
        writer.OpenFile!.FaultInjection = stage =>
        {
            if (stage == failAt && reached++ == 0)
            {
                throw new IOException($"injected failure after '{stage}'");
            }
        };
        var batch = Steps(6, 10);
        await Assert.ThrowsAsync<IOException>(async () => await writer.WriteAsync(batch, CancellationToken.None));

        // What a reader sees after the failure is still a consistent prefix (here: nothing, nothing was committed).
        Assert.Empty(ExternalTools.ReadWithH5py(writer.FilePath).Steps);

        await writer.WriteAsync(batch, CancellationToken.None);
        await writer.WriteAsync(Steps(16, 4), CancellationToken.None);
        await writer.CloseAsync(StageOutcome.Completed, CancellationToken.None);

        var path = Path.Combine(_directory, "train_stats.h5");
        var rows = Hdf5StatsReader.Read(path);
        Assert.Equal(Enumerable.Range(0, 20).Select(s => (long)s), rows.Steps);
        Assert.Equal(Enumerable.Range(0, 20).Select(s => (double)s), rows.Columns["a"]);
        Assert.Equal(Enumerable.Range(0, 20).Select(s => s < 12 ? double.NaN : s * 10.0), rows.Columns["late/key"]);
        var file = ExternalTools.ReadWithH5py(path);
        Assert.All(file.Datasets.Values, d => Assert.Equal(20, d.Length));
        Assert.True(reached >= 2, "the retry did not go through the stage that failed");
    }
}
