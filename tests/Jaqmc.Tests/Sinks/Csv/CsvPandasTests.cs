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
}
