using Jaqmc.Sinks;
using Jaqmc.Sinks.Hdf5;

namespace Jaqmc.Tests.Sinks.Hdf5;

/// <summary><see cref="Hdf5StatsReader.ReadColumns"/>: some columns from a row on, bounded as the whole read bounds the rows.</summary>
public sealed class Hdf5ColumnReadTests : IDisposable
{
    private static readonly StatsKeys Keys = new("total_energy", "pmove", "loss");

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "jaqmc-tests", nameof(Hdf5ColumnReadTests), Guid.NewGuid().ToString("N"));

    public Hdf5ColumnReadTests() => Directory.CreateDirectory(_directory);

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

    [Fact]
    public async Task FromARow_ReadsOnlyTheKeysAskedFor_WithEveryKeyNamed()
    {
        await WriteAsync(100);

        var slice = Hdf5StatsReader.ReadColumns(FilePath, ["pmove", "no_such_key"], firstRow: 40);
        var whole = Hdf5StatsReader.Read(FilePath);

        Assert.Equal(["loss", "pmove", "total_energy"], slice.Keys.Order());
        Assert.Equal(40, slice.FirstRow);
        Assert.Equal(whole.Steps[40..], slice.Steps);
        Assert.Equal(["pmove"], slice.Columns.Keys);
        Assert.Equal(whole.Columns["pmove"][40..], slice.Columns["pmove"]);
        Assert.Equal("train", slice.Stage);
    }

    [Fact]
    public async Task PastTheLastRow_IsEmpty_AndANegativeRowIsRefused()
    {
        await WriteAsync(10);

        var past = Hdf5StatsReader.ReadColumns(FilePath, ["pmove"], firstRow: 10);

        Assert.Empty(past.Steps);
        Assert.Empty(past.Columns["pmove"]);
        Assert.Throws<ArgumentOutOfRangeException>(() => Hdf5StatsReader.ReadColumns(FilePath, ["pmove"], firstRow: -1));
    }

    private Task WriteAsync(int rows) =>
        Dashboard.SyntheticRun.WriteHdf5Async(_directory, 0, [.. Enumerable.Range(0, rows).Select(s => new StatsRecord("train", s, Keys, [-1.0 - (s * 1e-3), s % 10 / 10.0, s * 0.5]))]);
}
