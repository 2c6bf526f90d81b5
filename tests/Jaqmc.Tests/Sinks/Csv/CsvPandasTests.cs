using Jaqmc.Sinks;
using Jaqmc.Sinks.Csv;
using Jaqmc.Tests.Sinks.Hdf5;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jaqmc.Tests.Sinks.Csv;

/// <summary>What users do with the file: pandas.read_csv must see floats, including NaN and ±inf, and the exact keys.</summary>
public sealed class CsvPandasTests
{
    [Fact]
    public async Task PandasReadCsv_ParsesEveryColumnAsFloat_WithExactValuesAndKeys()
    {
        var dir = Path.Combine(Path.GetTempPath(), "jaqmc-tests", "pandas", Guid.NewGuid().ToString("N"));
        var keys = new StatsKeys("total_energy", "energy:kinetic_var", "comma,key", "quote\"key", "énergie");
        var writer = new CsvStatsWriter(new CsvWriterOptions(), NullLogger<CsvStatsWriter>.Instance);
        await writer.OpenAsync(new WriterContext(dir, "train", 0, "run"), CancellationToken.None);
        await writer.WriteAsync(
        [
            new StatsRecord("train", 0, keys, [double.NaN, double.PositiveInfinity, double.NegativeInfinity, 0.1, -2.903724]),
            new StatsRecord("train", 1, keys, [1e-300, 1.0 / 3.0, -0.0, double.MaxValue, 5e-324]),
        ], CancellationToken.None);
        await writer.CloseAsync(StageOutcome.Completed, CancellationToken.None);

        const string script = """
            import sys, json, math, pandas
            df = pandas.read_csv(sys.argv[1])
            out = {"dtypes": {c: str(t) for c, t in df.dtypes.items()}, "rows": []}
            for _, row in df.iterrows():
                out["rows"].append({c: (repr(float(v)) if c != "step" else int(v)) for c, v in row.items()})
            print(json.dumps(out, ensure_ascii=False))
            """;
        var output = ExternalTools.RunPython(script, Path.Combine(dir, "train_stats.csv"));

        Assert.Contains("\"step\": \"int64\"", output, StringComparison.Ordinal);
        Assert.Contains("\"comma,key\": \"float64\"", output, StringComparison.Ordinal);
        Assert.Contains("\"quote\\\"key\": \"float64\"", output, StringComparison.Ordinal);
        Assert.Contains("\"énergie\": \"float64\"", output, StringComparison.Ordinal);
        Assert.Contains("\"total_energy\": \"nan\"", output, StringComparison.Ordinal);
        Assert.Contains("\"energy:kinetic_var\": \"inf\"", output, StringComparison.Ordinal);
        Assert.Contains("\"comma,key\": \"-inf\"", output, StringComparison.Ordinal);
        Assert.Contains("\"énergie\": \"-2.903724\"", output, StringComparison.Ordinal);
        Assert.Contains("\"energy:kinetic_var\": \"0.3333333333333333\"", output, StringComparison.Ordinal);
        Assert.Contains("\"quote\\\"key\": \"1.7976931348623157e+308\"", output, StringComparison.Ordinal);
        Assert.Contains("\"énergie\": \"5e-324\"", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PandasReadCsv_ReadsAColumnOfWholeNumbersAsFloat64_BitForBit()
    {
        // The big batch goes through the formatting split across cores, the small one through the single path.
        var dir = Path.Combine(Path.GetTempPath(), "jaqmc-tests", "pandas", Guid.NewGuid().ToString("N"));
        var keys = new StatsKeys("iterations", "negative", "large", "huge");
        static double[] Values(int s) => [s, -s, 9_007_199_254_740_992.0 - (2 * s), Math.ScaleB(s + 1, 60)];
        var records = Enumerable.Range(0, 2_001).Select(s => new StatsRecord("train", s, keys, Values(s))).ToList();
        var writer = new CsvStatsWriter(new CsvWriterOptions(), NullLogger<CsvStatsWriter>.Instance);
        await writer.OpenAsync(new WriterContext(dir, "train", 0, "run"), CancellationToken.None);
        await writer.WriteAsync(records.Take(2_000).ToList(), CancellationToken.None);
        await writer.WriteAsync(records.Skip(2_000).ToList(), CancellationToken.None);
        await writer.CloseAsync(StageOutcome.Completed, CancellationToken.None);

        const string script = """
            import sys, json, pandas
            out = {}
            for precision in (None, "round_trip"):
                df = pandas.read_csv(sys.argv[1], float_precision=precision)
                out[str(precision)] = {
                    "dtypes": {c: str(t) for c, t in df.dtypes.items()},
                    "bits": {c: df[c].to_numpy().view("<i8").tolist() for c in df.columns if c != "step"},
                }
            print(json.dumps(out))
            """;
        using var output = System.Text.Json.JsonDocument.Parse(ExternalTools.RunPython(script, Path.Combine(dir, "train_stats.csv")));

        foreach (var precision in new[] { "None", "round_trip" })
        {
            var dtypes = output.RootElement.GetProperty(precision).GetProperty("dtypes");
            Assert.Equal("int64", dtypes.GetProperty("step").GetString());
            Assert.All(keys, k => Assert.Equal("float64", dtypes.GetProperty(k).GetString()));
        }

        // Exact with float_precision="round_trip" (pandas' default parser is fast but not always correctly rounded).
        var bits = output.RootElement.GetProperty("round_trip").GetProperty("bits");
        for (var k = 0; k < keys.Count; k++)
        {
            Assert.Equal(
                records.Select(r => BitConverter.DoubleToInt64Bits(r.Values[k])),
                bits.GetProperty(keys[k]).EnumerateArray().Select(e => e.GetInt64()));
        }
    }
}
