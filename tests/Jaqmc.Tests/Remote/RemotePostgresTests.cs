using Jaqmc.Tests.EndToEnd.Faults;
using Jaqmc.Tests.Samples;
using Jaqmc.Tests.Sinks.Postgres;

namespace Jaqmc.Tests.Remote;

/// <summary>
/// <c>jaqmc serve</c> with a connection string records into PostgreSQL as well: after SIGKILLs of the client
/// (samples/OwnTrainingLoop through RemoteStatsRecorder) and of the server, PostgreSQL holds every value of the
/// server's CSV file exactly once. Needs PostgreSQL (TEST_POSTGRES_CONNECTION or Docker); fails without it.
/// </summary>
public sealed class RemotePostgresTests(PostgresFixture database) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task ClientAndServerKilled_PostgresHoldsEveryValueOfTheCsvFileOnce()
    {
        var schema = PostgresFixture.NewSchema();
        try
        {
            using var server = new ServeProcess(ServeProcess.NewRoot("postgres"), "--ConnectionStrings:Stats=" + database.ConnectionString, "--Writers:Postgres:Schema=" + schema);
            await server.StartAsync();
            var work = OwnTrainingLoopSample.NewDirectory("remote-postgres");
            string[] remote = ["--Remote:Url=" + server.Url, "--Remote:Run=remote-pg", "--Remote:RetryDelay=00:00:00.050", "--Remote:MaxRetryDelay=00:00:00.500"];
            using (var first = OwnTrainingLoopSample.Start(work, TimeSpan.FromMilliseconds(10), remote))
            {
                await OwnTrainingLoopSample.WaitForCheckpointAsync(first, work);
                first.KillHard();
            }

            using var second = OwnTrainingLoopSample.Start(work, TimeSpan.FromMilliseconds(5), remote);
            var resumedAt = OwnTrainingLoopSample.CheckpointStep(work);
            while (OwnTrainingLoopSample.CheckpointStep(work) < resumedAt + OwnTrainingLoopSample.CheckpointEvery)
            {
                Assert.False(second.HasExited, $"the resumed loop exited early:\n{second.Stdout}\n{second.Stderr}");
                await Task.Delay(20);
            }

            server.KillHard();
            await second.WaitForOutputAsync("unreachable", TimeSpan.FromMinutes(2));
            await server.StartAsync();
            await second.WaitAsync(TimeSpan.FromMinutes(10));
            Assert.True(second.ExitCode == 0, $"the resumed loop exited {second.ExitCode}:\n{second.Stdout}\n{second.Stderr}");

            var csv = RunOutputs.CsvAsLongTable(Path.Combine(server.Root, "remote-pg"));
            Assert.Equal(OwnTrainingLoopSample.Steps * 6, csv.Count);
            Assert.Equal(csv, await RunOutputs.ReadPostgresAsync(database.ConnectionString, schema, "remote-pg"));
        }
        finally
        {
            await database.DropSchemaAsync(schema);
        }
    }
}
