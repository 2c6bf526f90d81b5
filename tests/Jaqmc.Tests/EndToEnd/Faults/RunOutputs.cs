using Dapper;
using Jaqmc.Sinks.Hdf5;
using Npgsql;

namespace Jaqmc.Tests.EndToEnd.Faults;

/// <summary>Compares what two runs left in their CSV files, HDF5 files and PostgreSQL schemas.</summary>
internal static class RunOutputs
{
    public static readonly string[] Stages = ["train", "evaluation"];

    /// <summary>Every stage's CSV file is byte for byte the same as the reference run's.</summary>
    public static int AssertSameCsv(string expectedDirectory, string actualDirectory)
    {
        var rows = 0;
        foreach (var stage in Stages)
        {
            var expected = File.ReadAllBytes(Path.Combine(expectedDirectory, $"{stage}_stats.csv"));
            var actual = File.ReadAllBytes(Path.Combine(actualDirectory, $"{stage}_stats.csv"));
            if (!expected.AsSpan().SequenceEqual(actual))
            {
                Assert.Fail($"{stage}_stats.csv differs from the uninterrupted run's: first difference at byte {FirstDifference(expected, actual)} " +
                            $"(lengths {expected.Length} and {actual.Length}); files: {expectedDirectory}, {actualDirectory}");
            }

            rows += expected.Count(b => b == (byte)'\n') - 1;
        }

        return rows;
    }

    /// <summary>Every stage's HDF5 file holds the same steps and, bit for bit, the same values as the reference run's.</summary>
    public static int AssertSameHdf5(string expectedDirectory, string actualDirectory)
    {
        var rows = 0;
        foreach (var stage in Stages)
        {
            var expected = Hdf5StatsReader.Read(Path.Combine(expectedDirectory, $"{stage}_stats.h5"));
            var actual = Hdf5StatsReader.Read(Path.Combine(actualDirectory, $"{stage}_stats.h5"));
            Assert.Equal(expected.Steps, actual.Steps);
            Assert.Equal(expected.Columns.Keys.Order(StringComparer.Ordinal), actual.Columns.Keys.Order(StringComparer.Ordinal));
            foreach (var (key, column) in expected.Columns)
            {
                Assert.True(
                    column.Select(BitConverter.DoubleToInt64Bits).SequenceEqual(actual.Columns[key].Select(BitConverter.DoubleToInt64Bits)),
                    $"{stage}_stats.h5 column '{key}' differs from the uninterrupted run's");
            }

            rows += expected.Steps.Length;
        }

        return rows;
    }

    /// <summary>The stats rows of one run in a schema, ordered, with values as bits so NaN compares equal.</summary>
    public static async Task<List<(string Stage, long Step, string Name, long Bits)>> ReadPostgresAsync(string connectionString, string schema, string runName)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        var rows = await connection.QueryAsync<(string Stage, long Step, string Name, double Value)>(
            $"SELECT s.stage, s.step, s.name, s.value FROM \"{schema}\".stats s JOIN \"{schema}\".runs r ON r.id = s.run_id " +
            "WHERE r.name = @runName ORDER BY s.stage, s.step, s.name",
            new { runName });
        return rows.Select(r => (r.Stage, r.Step, r.Name, BitConverter.DoubleToInt64Bits(r.Value))).ToList();
    }

    /// <summary>The status <c>jaqmc runs DIR --json</c> gives the run directory <paramref name="directory"/>.</summary>
    public static async Task<string?> LocalRunStatusAsync(string directory)
    {
        using var runs = await JaqmcProcess.RunAsync(["runs", directory, "--json"], timeout: TimeSpan.FromMinutes(5));
        Assert.True(runs.ExitCode == 0, $"jaqmc runs exited {runs.ExitCode}:\n{runs.Stdout}\n{runs.Stderr}");
        using var json = System.Text.Json.JsonDocument.Parse(runs.Stdout);
        var run = Assert.Single(json.RootElement.EnumerateArray(), r => r.GetProperty("path").GetString() == directory);
        return run.GetProperty("status").GetString();
    }

    /// <summary>The status of each stage of <paramref name="runName"/> in PostgreSQL's <c>run_stages</c>, as "stage=status" sorted by stage.</summary>
    public static async Task<string[]> StageStatusesAsync(string connectionString, string schema, string runName)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        var rows = await connection.QueryAsync<string>(
            $"SELECT st.stage || '=' || st.status FROM \"{schema}\".run_stages st JOIN \"{schema}\".runs r ON r.id = st.run_id WHERE r.name = @runName ORDER BY st.stage",
            new { runName });
        return rows.ToArray();
    }

    /// <summary>The run's status in PostgreSQL's <c>runs</c>.</summary>
    public static async Task<string?> RunStatusAsync(string connectionString, string schema, string runName)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        return await connection.QuerySingleOrDefaultAsync<string>($"SELECT status FROM \"{schema}\".runs WHERE name = @runName", new { runName });
    }

    /// <summary>The PostgreSQL rows of a run equal the reference run's, value for value; returns how many.</summary>
    public static async Task<int> AssertSamePostgresAsync(string connectionString, string expectedSchema, string expectedRun, string actualSchema, string actualRun)
    {
        var expected = await ReadPostgresAsync(connectionString, expectedSchema, expectedRun);
        var actual = await ReadPostgresAsync(connectionString, actualSchema, actualRun);
        Assert.NotEmpty(expected);
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.True(expected[i] == actual[i], $"PostgreSQL row {i} differs: expected {expected[i]}, got {actual[i]}");
        }

        return expected.Count;
    }

    /// <summary>The CSV rows of a stage as (step, key, value bits), to compare with what PostgreSQL holds.</summary>
    public static List<(string Stage, long Step, string Name, long Bits)> CsvAsLongTable(string directory)
    {
        var result = new List<(string, long, string, long)>();
        foreach (var stage in Stages)
        {
            var path = Path.Combine(directory, $"{stage}_stats.csv");
            if (!File.Exists(path))
            {
                continue;
            }

            var lines = File.ReadAllLines(path);

            // The trainer's keys need no quoting, so a plain split is exact here.
            var header = lines[0].Split(',');
            foreach (var line in lines.Skip(1))
            {
                var cells = line.Split(',');
                var step = long.Parse(cells[0], System.Globalization.CultureInfo.InvariantCulture);
                for (var i = 1; i < cells.Length; i++)
                {
                    var value = double.Parse(cells[i], System.Globalization.CultureInfo.InvariantCulture);
                    result.Add((stage, step, header[i], BitConverter.DoubleToInt64Bits(value)));
                }
            }
        }

        return result.OrderBy(r => r.Item1, StringComparer.Ordinal).ThenBy(r => r.Item2).ThenBy(r => r.Item3, StringComparer.Ordinal).ToList();
    }

    private static int FirstDifference(byte[] a, byte[] b)
    {
        var n = Math.Min(a.Length, b.Length);
        for (var i = 0; i < n; i++)
        {
            if (a[i] != b[i])
            {
                return i;
            }
        }

        return n;
    }
}
