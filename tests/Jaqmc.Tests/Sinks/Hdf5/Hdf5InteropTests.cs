using System.Globalization;
using Jaqmc.Sinks;
using Jaqmc.Sinks.Hdf5;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jaqmc.Tests.Sinks.Hdf5;

/// <summary>Files read back by the reference tools: h5py in the system Python, and h5dump.</summary>
public sealed class Hdf5InteropTests : IDisposable
{
    private static readonly StatsKeys Early = new("total_energy", "pmove", "slash/inside", "step", "énergie_λ");
    private static readonly StatsKeys Late = new("total_energy", "pmove", "slash/inside", "step", "énergie_λ", "energy:kinetic");
    private static readonly StatsKeys Partial = new("pmove", "energy:kinetic");

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "jaqmc-tests", nameof(Hdf5InteropTests), Guid.NewGuid().ToString("N"));

    public Hdf5InteropTests() => Directory.CreateDirectory(_directory);

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

    /// <summary>
    /// Steps 0–9 have the early keys, 10–14 add <c>energy:kinetic</c>, 15–19 have only two keys; NaN and
    /// infinities appear as values.
    /// </summary>
    private static List<StatsRecord> Records()
    {
        var records = new List<StatsRecord>();
        for (var s = 0; s < 20; s++)
        {
            var keys = s < 10 ? Early : s < 15 ? Late : Partial;
            var values = Enumerable.Range(0, keys.Count).Select(i => (s * 10.0) + i + (1.0 / 3.0)).ToArray();
            if (s == 3)
            {
                values[0] = double.NaN;
                values[1] = double.PositiveInfinity;
                values[2] = double.NegativeInfinity;
            }

            records.Add(new StatsRecord("train", s, keys, values));
        }

        return records;
    }

    private static double Expected(StatsRecord record, string key) =>
        record.TryGetValue(key, out var v) ? v : double.NaN;

    private async Task<string> WriteAsync(IReadOnlyList<StatsRecord> records)
    {
        await using var writer = new Hdf5StatsWriter(new Hdf5WriterOptions { ChunkSize = 8 }, NullLogger<Hdf5StatsWriter>.Instance);
        await writer.OpenAsync(new WriterContext(_directory, "train", 0, "run"), CancellationToken.None);
        foreach (var chunk in records.Chunk(6))
        {
            await writer.WriteAsync(chunk, CancellationToken.None);
        }

        await writer.CloseAsync(StageOutcome.Completed, CancellationToken.None);
        return Path.Combine(_directory, "train_stats.h5");
    }

    [Fact]
    public async Task H5py_ReadsValuesNaNLateKeysAndEqualLengths()
    {
        var records = Records();
        var path = await WriteAsync(records);

        var file = ExternalTools.ReadWithH5py(path);

        Assert.Equal(Enumerable.Range(0, 20).Select(s => (long)s), file.Steps);
        Assert.All(file.Datasets.Values, d => Assert.Equal(20, d.Length));
        Assert.All(file.Datasets.Values, d => Assert.Equal(-1, d.MaxShape ?? -1));
        Assert.Equal("int64", file.Datasets["step"].Dtype);
        Assert.Equal("train", file.Attributes["stage"]);
        Assert.Equal("1", file.Attributes["jaqmc_stats_format"]);
        Assert.StartsWith("Jaqmc.NET", file.Attributes["jaqmc_writer"], StringComparison.Ordinal);

        // Keys are the dataset names, except the escaped ones, and every key is recoverable from its attribute.
        Assert.Contains("total_energy", file.Datasets.Keys);
        Assert.Contains("energy:kinetic", file.Datasets.Keys);
        Assert.Contains("énergie_λ", file.Datasets.Keys);
        Assert.Equal("slash/inside", file.Datasets["~slash%2Finside"].Key);
        Assert.Equal("step", file.Datasets["~step"].Key);

        var columns = file.ColumnsByKey();
        Assert.Equal(Late.OrderBy(k => k, StringComparer.Ordinal), columns.Keys.OrderBy(k => k, StringComparer.Ordinal));
        for (var s = 0; s < records.Count; s++)
        {
            foreach (var key in Late)
            {
                var want = Expected(records[s], key);
                Assert.True(want.Equals(columns[key][s]), $"step {s} key '{key}': wrote {want:R}, h5py read {columns[key][s]:R}");
            }
        }

        Assert.True(double.IsNaN(columns["total_energy"][3]));
        Assert.True(double.IsPositiveInfinity(columns["pmove"][3]));
        Assert.True(double.IsNaN(columns["energy:kinetic"][0]));
        Assert.Equal((12 * 10.0) + 5 + (1.0 / 3.0), columns["energy:kinetic"][12]);
    }

    [Fact]
    public async Task CSharpReader_AgreesWithH5py()
    {
        var path = await WriteAsync(Records());

        var mine = Hdf5StatsReader.Read(path);
        var theirs = ExternalTools.ReadWithH5py(path);

        Assert.Equal(theirs.Steps, mine.Steps);
        var columns = theirs.ColumnsByKey();
        Assert.Equal(columns.Keys.Order(StringComparer.Ordinal), mine.Columns.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, values) in mine.Columns)
        {
            Assert.Equal(columns[key].Select(BitConverter.DoubleToInt64Bits), values.Select(BitConverter.DoubleToInt64Bits));
        }
    }

    /// <summary>The values between <c>DATA {</c> and its closing brace in h5dump's output.</summary>
    private static List<string> DataValues(string dump)
    {
        var start = dump.IndexOf("DATA {", StringComparison.Ordinal);
        Assert.True(start >= 0, dump);
        var end = dump.IndexOf('}', start);
        return dump[(start + 6)..end].Split([',', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
    }

    [Fact]
    public async Task H5dump_ShowsUnlimitedChunkedDatasetsAndValues()
    {
        var path = await WriteAsync(Records());

        var header = ExternalTools.RunH5dump("-A", "-p", path);
        Assert.Contains("DATASET \"total_energy\"", header, StringComparison.Ordinal);
        Assert.Contains("DATASET \"~slash%2Finside\"", header, StringComparison.Ordinal);
        Assert.Contains("DATASPACE  SIMPLE { ( 20 ) / ( H5S_UNLIMITED ) }", header, StringComparison.Ordinal);
        Assert.Contains("H5T_IEEE_F64LE", header, StringComparison.Ordinal);
        Assert.Contains("H5T_STD_I64LE", header, StringComparison.Ordinal);
        Assert.Contains("CHUNKED ( 8 )", header, StringComparison.Ordinal);
        Assert.Contains("\"slash/inside\"", header, StringComparison.Ordinal);

        Assert.Equal(Enumerable.Range(0, 20).Select(s => s.ToString(CultureInfo.InvariantCulture)), DataValues(ExternalTools.RunH5dump("-d", "/step", "-y", "-w", "0", path)));

        var kinetic = DataValues(ExternalTools.RunH5dump("-d", "/energy:kinetic", "-y", "-w", "0", "-m", "%.17g", path));
        Assert.Equal(20, kinetic.Count);
        Assert.All(kinetic.Take(10), v => Assert.Equal("nan", v));
        Assert.Equal(105.33333333333333, double.Parse(kinetic[10], CultureInfo.InvariantCulture));
        Assert.Equal("inf", DataValues(ExternalTools.RunH5dump("-d", "/pmove", "-y", "-w", "0", path))[3]);
    }
}
