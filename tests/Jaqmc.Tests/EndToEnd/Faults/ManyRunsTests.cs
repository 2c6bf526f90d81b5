using System.Diagnostics;
using Dapper;
using Jaqmc.Tests.Sinks.Postgres;
using Npgsql;
using Xunit.Abstractions;

namespace Jaqmc.Tests.EndToEnd.Faults;

/// <summary>
/// Scenario 6: eight runs at once, each in its own working directory, all writing to one PostgreSQL schema (so they
/// race on its creation too): every row arrives exactly once, nobody deadlocks, every run ends <c>completed</c>.
/// </summary>
public sealed class ManyRunsTests(PostgresFixture server, ITestOutputHelper output) : IClassFixture<PostgresFixture>
{
    private const int Runs = 8;

    [Fact]
    public async Task EightRunsIntoOneDatabase_EveryRowOnce_AllCompleted()
    {
        var steps = FaultProfile.Soak ? 20_000 : 3000;
        var watch = Stopwatch.StartNew();
        var schema = PostgresFixture.NewSchema();
        try
        {
            var processes = Enumerable.Range(0, Runs).Select(i => JaqmcProcess.Start(
            [
                "--Run:WorkingDirectory=" + FaultProfile.NewDirectory($"many-{i}"),
                "--Training:Producer=Synthetic",
                "--Training:Iterations=" + steps,
                "--Writers:Console:Enabled=false",
                "--Writers:Hdf5:Enabled=false",

                // Small batches: many more concurrent transactions against the same table.
                "--Writers:Postgres:MaxBatchSize=100",
                .. FaultProfile.PostgresArguments(server.ConnectionString, schema, $"many-{i}"),
            ])).ToArray();
            try
            {
                await Task.WhenAll(processes.Select(p => p.WaitAsync(TimeSpan.FromMinutes(5))));
                foreach (var p in processes)
                {
                    Assert.True(p.ExitCode == 0, $"a run exited {p.ExitCode}:\n{p.Stdout}\n{p.Stderr}");
                    Assert.DoesNotContain("deadlock", p.Stdout + p.Stderr, StringComparison.OrdinalIgnoreCase);
                }
            }
            finally
            {
                foreach (var p in processes)
                {
                    p.Dispose();
                }
            }

            await using var connection = new NpgsqlConnection(server.ConnectionString);
            await connection.OpenAsync();
            // The check reads all 480,000 rows through the stats view; on a machine kept busy by other work that took
            // longer than Npgsql's default 30 s command timeout, which is not what this test is about.
            var perRun = (await connection.QueryAsync<(string Name, string Status, long Rows, long Steps, long MinStep, long MaxStep)>(
                $"SELECT r.name, r.status, count(s.*), count(DISTINCT s.step), min(s.step), max(s.step) " +
                $"FROM \"{schema}\".runs r LEFT JOIN \"{schema}\".stats s ON s.run_id = r.id GROUP BY r.name, r.status ORDER BY r.name",
                commandTimeout: 600)).ToList();
            Assert.Equal(Enumerable.Range(0, Runs).Select(i => $"many-{i}"), perRun.Select(r => r.Name));
            foreach (var run in perRun)
            {
                Assert.Equal("completed", run.Status);
                Assert.Equal((long)steps * 20, run.Rows);
                Assert.Equal(steps, run.Steps);
                Assert.Equal(0, run.MinStep);
                Assert.Equal(steps - 1, run.MaxStep);
            }

            output.WriteLine($"FIGURES many-runs: runs={Runs} steps={steps} rows={perRun.Sum(r => r.Rows)} runtime={watch.Elapsed.TotalSeconds:F0}s");
        }
        finally
        {
            await server.DropSchemaAsync(schema);
        }
    }
}
