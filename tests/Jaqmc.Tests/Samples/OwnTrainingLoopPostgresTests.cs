using Jaqmc.Tests.EndToEnd;
using Jaqmc.Tests.EndToEnd.Faults;
using Jaqmc.Tests.Sinks.Postgres;

namespace Jaqmc.Tests.Samples;

/// <summary>samples/OwnTrainingLoop with a connection string records into PostgreSQL as well, exactly once per step across a kill.</summary>
public sealed class OwnTrainingLoopPostgresTests(PostgresFixture server) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task WithAConnectionString_KilledAndResumed_PostgresHoldsEveryValueOfTheCsvFileOnce()
    {
        var schema = PostgresFixture.NewSchema();
        var directory = OwnTrainingLoopSample.NewDirectory("postgres");
        string[] database = ["--ConnectionStrings:Stats=" + server.ConnectionString, "--Writers:Postgres:Schema=" + schema, "--Run:Name=own-loop"];
        try
        {
            using (var killed = OwnTrainingLoopSample.Start(directory, TimeSpan.FromMilliseconds(10), database))
            {
                await OwnTrainingLoopSample.WaitForCheckpointAsync(killed, directory);
                await OwnTrainingLoopSample.WaitForRowsPastCheckpointAsync(killed, directory);
                killed.KillHard();
            }

            using var resumed = OwnTrainingLoopSample.Start(directory, extra: database);
            await resumed.WaitAsync(TimeSpan.FromMinutes(2));

            Assert.True(resumed.ExitCode == 0, $"the resumed run exited {resumed.ExitCode}:\n{resumed.Stdout}\n{resumed.Stderr}");
            Assert.Contains("Writer Postgres: ", resumed.Stdout, StringComparison.Ordinal);
            var csv = RunOutputs.CsvAsLongTable(directory);
            Assert.Equal(OwnTrainingLoopSample.Steps * 6, csv.Count);
            Assert.Equal(csv, await RunOutputs.ReadPostgresAsync(server.ConnectionString, schema, "own-loop"));
            Assert.Equal("completed", await RunOutputs.RunStatusAsync(server.ConnectionString, schema, "own-loop"));
            Directory.Delete(directory, recursive: true);
        }
        finally
        {
            await server.DropSchemaAsync(schema);
        }
    }
}
