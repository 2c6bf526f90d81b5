using Dapper;
using Jaqmc.Cli.Hosting;
using Jaqmc.Service.Hosting;
using Jaqmc.Service.Pipeline;
using Jaqmc.Sinks.Hdf5;
using Jaqmc.Sinks;
using Jaqmc.Tests.Sinks.Csv;
using Jaqmc.Tests.Sinks.Postgres;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Jaqmc.Tests.EndToEnd.Faults;

/// <summary>
/// The in-process part of scenario 5: the trainer's stages and keys are fixed, so awkward stage names and keys are
/// fed straight into the program's own pipeline, built by <see cref="JaqmcHost.CreateBuilder"/> with all four real
/// writers.
/// </summary>
public sealed class AwkwardInputTests(PostgresFixture server) : IClassFixture<PostgresFixture>
{
    private static readonly string[] AwkwardKeys =
    [
        "a,b", "say \"hi\"", "two\nlines", "per/slash", new string('k', 1000), "énergie_Ψ_能量", "plain",
    ];

    [Fact]
    public async Task AwkwardKeysAndNonFiniteValues_ArriveIntactInEveryWriter()
    {
        var dir = FaultProfile.NewDirectory("awkward-keys");
        var schema = PostgresFixture.NewSchema();
        try
        {
            using var host = Build(dir, schema);
            var pipeline = host.Services.GetRequiredService<StatsPipeline>();
            pipeline.Start();
            var keys = new StatsKeys(AwkwardKeys);
            double[][] rows =
            [
                [1.5, -2.25, double.NaN, double.PositiveInfinity, double.NegativeInfinity, 1e-300, 0.1],
                [double.NaN, double.NaN, double.NegativeInfinity, 3, double.PositiveInfinity, -0.0, double.Epsilon],
            ];
            await pipeline.BeginStageAsync("train", 0, CancellationToken.None);
            for (var step = 0; step < rows.Length; step++)
            {
                await pipeline.RecordAsync(new StatsRecord("train", step, keys, rows[step]), CancellationToken.None);
            }

            await pipeline.EndStageAsync(StageOutcome.Completed, CancellationToken.None);
            await pipeline.StopAsync(CancellationToken.None);
            Assert.Null(pipeline.Fault);
            Assert.All(pipeline.Summaries, s => Assert.Equal(rows.Length, s.Written));

            var csv = CsvTestFiles.Read(Path.Combine(dir, "train_stats.csv"));
            var h5 = Hdf5StatsReader.Read(Path.Combine(dir, "train_stats.h5"));
            await using var connection = new NpgsqlConnection(server.ConnectionString);
            await connection.OpenAsync();
            var db = (await connection.QueryAsync<(long Step, string Name, double Value)>($"SELECT step, name, value FROM \"{schema}\".stats"))
                .ToDictionary(r => (r.Step, r.Name), r => r.Value);
            Assert.Equal(rows.Length * AwkwardKeys.Length, db.Count);
            for (var step = 0; step < rows.Length; step++)
            {
                for (var k = 0; k < AwkwardKeys.Length; k++)
                {
                    var key = AwkwardKeys[k];
                    var expected = BitConverter.DoubleToInt64Bits(rows[step][k]);
                    Assert.True(BitConverter.DoubleToInt64Bits(csv[step].Values[key]) == expected, $"CSV step {step} key '{key[..Math.Min(20, key.Length)]}': {csv[step].Values[key]}");
                    Assert.True(BitConverter.DoubleToInt64Bits(h5.Columns[key][step]) == expected, $"HDF5 step {step} key '{key[..Math.Min(20, key.Length)]}': {h5.Columns[key][step]}");
                    Assert.True(BitConverter.DoubleToInt64Bits(db[(step, key)]) == expected, $"PostgreSQL step {step} key '{key[..Math.Min(20, key.Length)]}': {db[(step, key)]}");
                }
            }
        }
        finally
        {
            await server.DropSchemaAsync(schema);
        }
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("a/b")]
    [InlineData("..")]
    public async Task StageNameThatIsAPath_IsRejected_AndNothingIsWrittenOutside(string stage)
    {
        var root = FaultProfile.NewDirectory("stage-name");
        var dir = Path.Combine(root, "run");
        using var host = Build(dir, schema: null);
        var pipeline = host.Services.GetRequiredService<StatsPipeline>();
        pipeline.Start();

        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await pipeline.BeginStageAsync(stage, 0, CancellationToken.None));
        Assert.Contains(stage, error.Message, StringComparison.Ordinal);
        await pipeline.StopAsync(CancellationToken.None);
        Assert.Empty(Directory.Exists(root) ? Directory.GetFiles(root, "*", SearchOption.AllDirectories) : []);
    }

    private IHost Build(string dir, string? schema)
    {
        List<string> args = ["--Run:WorkingDirectory=" + dir, "--Run:Name=awkward"];
        if (schema is not null)
        {
            args.AddRange(["--ConnectionStrings:Stats=" + server.ConnectionString, "--Writers:Postgres:Schema=" + schema]);
        }

        return JaqmcHost.CreateBuilder([.. args]).Build();
    }
}
