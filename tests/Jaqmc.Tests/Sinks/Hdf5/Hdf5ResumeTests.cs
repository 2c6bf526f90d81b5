using Jaqmc.Sinks;
using Jaqmc.Sinks.Hdf5;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Jaqmc.Tests.Sinks.Hdf5;

/// <summary>Resuming over damaged, foreign or uneven files, and reading while the writer runs.</summary>
public sealed class Hdf5ResumeTests : IDisposable
{
    private static readonly StatsKeys Keys = new("total_energy", "pmove", "loss");

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "jaqmc-tests", nameof(Hdf5ResumeTests), Guid.NewGuid().ToString("N"));
    private readonly FakeLogger<Hdf5StatsWriter> _logger = new();

    public Hdf5ResumeTests() => Directory.CreateDirectory(_directory);

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

    private static StatsRecord Record(long step) => new("train", step, Keys, [-1.0 - (step * 1e-3), step % 10 / 10.0, step * 0.5]);

    private Hdf5StatsWriter Writer(int chunkSize = 4096) => new(new Hdf5WriterOptions { ChunkSize = chunkSize }, _logger);

    private WriterContext Context(long initialStep) => new(_directory, "train", initialStep, "run");

    private async Task WriteAsync(long initialStep, long from, long to)
    {
        await using var writer = Writer();
        await writer.OpenAsync(Context(initialStep), CancellationToken.None);
        await writer.WriteAsync(Enumerable.Range((int)from, (int)(to - from)).Select(s => Record(s)).ToList(), CancellationToken.None);
        await writer.CloseAsync(StageOutcome.Completed, CancellationToken.None);
    }

    private void AssertSteps(IEnumerable<long> expected)
    {
        var data = Hdf5StatsReader.Read(FilePath);
        Assert.Equal(expected, data.Steps);
        foreach (var (i, step) in data.Steps.Index())
        {
            var want = Record(step);
            foreach (var key in Keys)
            {
                Assert.Equal(want.Values[Keys.IndexOf(key)], data.Columns[key][i]);
            }
        }
    }

    private string SingleAside()
    {
        var aside = Directory.GetFiles(_directory, "train_stats.h5.corrupt-*");
        Assert.Single(aside);
        Assert.Matches(@"\.corrupt-\d{8}T\d{6}Z-[0-9a-f]{6}$", aside[0]);
        return aside[0];
    }

    private void AssertWarned(string aside, string? reason = null)
    {
        var warning = Assert.Single(_logger.Collector.GetSnapshot(), r => r.Level == LogLevel.Warning);
        Assert.Contains(FilePath, warning.Message, StringComparison.Ordinal);
        Assert.Contains(aside, warning.Message, StringComparison.Ordinal);
        Assert.Contains(reason ?? string.Empty, warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resume_OverAFileThatIsNotHdf5_RenamesItAsideWithAWarning()
    {
        var garbage = "step,loss\r\n1,2\r\n"u8.ToArray();
        await File.WriteAllBytesAsync(FilePath, garbage);

        await WriteAsync(5, 5, 10);

        var aside = SingleAside();
        Assert.Equal(garbage, await File.ReadAllBytesAsync(aside));
        AssertWarned(aside, "HDF5 signature");
        AssertSteps([5, 6, 7, 8, 9]);
    }

    [Fact]
    public async Task Resume_OverATruncatedHdf5File_RenamesItAside()
    {
        await WriteAsync(0, 0, 5000);
        var bytes = await File.ReadAllBytesAsync(FilePath);
        await File.WriteAllBytesAsync(FilePath, bytes[..600]);

        await WriteAsync(100, 100, 110);

        var aside = SingleAside();
        Assert.Equal(600, new FileInfo(aside).Length);

        // The library's own reason reaches the log.
        AssertWarned(aside, "truncated file");
        AssertSteps(Enumerable.Range(100, 10).Select(s => (long)s));
    }

    [Fact]
    public async Task Resume_OverAForeignHdf5File_RenamesItAside()
    {
        // JaQMC's own layout: one dataset per key, no step dataset, no format attribute.
        ExternalTools.RunPython(
            "import sys, h5py, numpy as np\nwith h5py.File(sys.argv[1], 'w') as f:\n    f.create_dataset('loss', data=np.arange(10.0), maxshape=(None,))",
            FilePath);

        await WriteAsync(3, 3, 6);

        AssertWarned(SingleAside(), "not a statistics file");
        AssertSteps([3, 4, 5]);
    }

    [Fact]
    public async Task InitialStepZero_StartsAFreshFile()
    {
        await WriteAsync(0, 0, 50);
        await WriteAsync(0, 0, 5);

        AssertSteps([0, 1, 2, 3, 4]);
        Assert.Empty(Directory.GetFiles(_directory, "*.corrupt-*"));
    }

    [Fact]
    public async Task Resume_CutsByStepValue_NotByRowPosition()
    {
        // The stage's first open was itself a resume at step 100 with no file yet.
        await WriteAsync(100, 100, 150);
        await WriteAsync(120, 120, 125);

        AssertSteps(Enumerable.Range(100, 25).Select(s => (long)s));
    }

    [Fact]
    public async Task Resume_TakesTheShortestDatasetAsTheValidLength()
    {
        await WriteAsync(0, 0, 100);

        // What a kill between writing the value columns and the step column can leave behind.
        ExternalTools.RunPython(
            "import sys, h5py\nwith h5py.File(sys.argv[1], 'r+') as f:\n    f['pmove'].resize((90,))\n    f['step'].resize((95,))",
            FilePath);
        Assert.Equal(90, Hdf5StatsReader.Read(FilePath).Steps.Length);

        await WriteAsync(95, 95, 100);

        AssertSteps(Enumerable.Range(0, 90).Concat(Enumerable.Range(95, 5)).Select(s => (long)s));
        var file = ExternalTools.ReadWithH5py(FilePath);
        Assert.All(file.Datasets.Values, d => Assert.Equal(95, d.Length));
    }

    [Fact]
    public async Task ReaderInAnotherProcess_SeesAConsistentPrefixWhileTheWriterIsOpen()
    {
        await using var writer = Writer(chunkSize: 64);
        await writer.OpenAsync(Context(0), CancellationToken.None);

        // Fewer rows than a chunk stay buffered until the flush.
        await writer.WriteAsync(Enumerable.Range(0, 40).Select(s => Record(s)).ToList(), CancellationToken.None);
        Assert.Empty(ExternalTools.ReadWithH5py(FilePath).Steps);
        await writer.FlushAsync(CancellationToken.None);
        AssertPrefix(ExternalTools.ReadWithH5py(FilePath), 40);

        // What is still buffered does not show; once a chunk's worth is buffered it reaches the file without a flush call.
        await writer.WriteAsync(Enumerable.Range(40, 30).Select(s => Record(s)).ToList(), CancellationToken.None);
        AssertPrefix(ExternalTools.ReadWithH5py(FilePath), 40);
        await writer.WriteAsync(Enumerable.Range(70, 40).Select(s => Record(s)).ToList(), CancellationToken.None);
        AssertPrefix(ExternalTools.ReadWithH5py(FilePath), 110);
        await writer.WriteAsync(Enumerable.Range(110, 10).Select(s => Record(s)).ToList(), CancellationToken.None);
        AssertPrefix(ExternalTools.ReadWithH5py(FilePath), 110);

        // The in-process reader agrees.
        await writer.FlushAsync(CancellationToken.None);
        AssertSteps(Enumerable.Range(0, 120).Select(s => (long)s));
        AssertPrefix(ExternalTools.ReadWithH5py(FilePath), 120);

        await writer.CloseAsync(StageOutcome.Completed, CancellationToken.None);
    }

    private static void AssertPrefix(H5pyFile file, int rows)
    {
        Assert.Equal(Enumerable.Range(0, rows).Select(s => (long)s), file.Steps);
        var columns = file.ColumnsByKey();
        foreach (var key in Keys)
        {
            Assert.Equal(rows, columns[key].Length);
            for (var s = 0; s < rows; s++)
            {
                Assert.Equal(Record(s).Values[Keys.IndexOf(key)], columns[key][s]);
            }
        }
    }

    [Fact]
    public async Task NegativeStep_IsAPermanentError()
    {
        await using var writer = Writer();
        await writer.OpenAsync(Context(0), CancellationToken.None);

        await Assert.ThrowsAsync<PermanentWriterException>(async () => await writer.WriteAsync([Record(-1)], CancellationToken.None));
    }

    [Fact]
    public async Task Resume_LeavesNoTemporaryFileBehind()
    {
        await WriteAsync(0, 0, 100);
        await File.WriteAllTextAsync(FilePath + ".resume", "left by a resume that was killed");

        await WriteAsync(50, 50, 60);

        AssertSteps(Enumerable.Range(0, 60).Select(s => (long)s));
        Assert.Equal(["train_stats.h5"], Directory.GetFiles(_directory).Select(Path.GetFileName));
    }
}
