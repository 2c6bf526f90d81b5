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
            string killedOutput;
            using (var killed = OwnTrainingLoopSample.Start(directory, TimeSpan.FromMilliseconds(10), database))
            {
                await OwnTrainingLoopSample.WaitForCheckpointAsync(killed, directory);
                await OwnTrainingLoopSample.WaitForRowsPastCheckpointAsync(killed, directory);
                killed.KillHard();
                killedOutput = killed.Stdout + "\n" + killed.Stderr;
            }

            using var resumed = OwnTrainingLoopSample.Start(directory, extra: database);
            await resumed.WaitAsync(TimeSpan.FromMinutes(2));

            Assert.True(resumed.ExitCode == 0, $"the resumed run exited {resumed.ExitCode}:\n{resumed.Stdout}\n{resumed.Stderr}");
            Assert.Contains("Writer Postgres: ", resumed.Stdout, StringComparison.Ordinal);
            var csv = RunOutputs.CsvAsLongTable(directory);
            Assert.Equal(OwnTrainingLoopSample.Steps * 6, csv.Count);
            var stored = await RunOutputs.ReadPostgresAsync(server.ConnectionString, schema, "own-loop");

            // On a mismatch, say which steps PostgreSQL holds and what both runs logged (their writers' summaries and
            // any spool warning), not only where the lists part.
            Assert.True(
                stored.SequenceEqual(csv),
                $"PostgreSQL holds {stored.Count} values (steps {Steps(stored)}), the CSV file {csv.Count} (steps {Steps(csv)});\n" +
                $"killed run:\n{killedOutput}\nresumed run:\n{resumed.Stdout}\n{resumed.Stderr}");
            Assert.Equal("completed", await RunOutputs.RunStatusAsync(server.ConnectionString, schema, "own-loop"));
            Directory.Delete(directory, recursive: true);
        }
        finally
        {
            await server.DropSchemaAsync(schema);
        }
    }

    private static string Steps(List<(string Stage, long Step, string Name, long Bits)> values) =>
        string.Join(", ", values.GroupBy(v => v.Stage).Select(g => $"{g.Key} {g.Min(v => v.Step)}..{g.Max(v => v.Step)}"));
}
