using System.Diagnostics;
using Dapper;
using Jaqmc.Sinks;
using Jaqmc.Sinks.Postgres;
using Jaqmc.Tests.EndToEnd.Faults;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Xunit.Abstractions;
using static Jaqmc.Tests.Sinks.Postgres.PostgresTestHelpers;

namespace Jaqmc.Tests.Sinks.Postgres;

/// <summary>
/// A server outage of several seconds in the middle of a stage (pg_ctl stop -m fast, then start). Each test stops
/// and starts a server of its own (<see cref="PrivatePostgres"/>: scripts/test-postgres.sh in a fresh directory), so
/// it runs whatever server the other tests share and disturbs none of them; without PostgreSQL's server binaries
/// (or root to install them) it fails saying so.
/// </summary>
public sealed class PostgresServerRestartTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ServerStoppedForSeconds_MidStage_RetriedWritesLoseAndDuplicateNothing()
    {
        await using var server = await PrivatePostgres.StartAsync();
        var schema = PostgresServer.NewSchema();
        var options = new PostgresWriterOptions { Enabled = true, ConnectionString = server.ConnectionString, Schema = schema };
        await using var writer = new PostgresStatsWriter(options, NullLogger<PostgresStatsWriter>.Instance);
        var context = new WriterContext(Path.GetTempPath(), "train", 0, "restart-" + Guid.NewGuid().ToString("N"));
        await writer.OpenAsync(context, CancellationToken.None);

        const int batches = 40, perBatch = 50;
        var failures = 0;
        var outage = Stopwatch.StartNew();
        var restart = Task.CompletedTask;
        for (var b = 0; b < batches; b++)
        {
            if (b == 10)
            {
                await server.StopAsync();
                outage.Restart();

                // Bring the server back a few seconds later while the writer keeps retrying.
                restart = Task.Run(async () =>
                {
                    await Task.Delay(TimeSpan.FromSeconds(4));
                    await server.StartAgainAsync();
                });
            }

            var batch = Batch("train", b * perBatch, perBatch);
            var failed = await RetryAsync(() => writer.WriteAsync(batch, CancellationToken.None).AsTask(), TimeSpan.FromSeconds(60));
            if (b == 10)
            {
                output.WriteLine($"batch 10 went through after {outage.Elapsed.TotalSeconds:F1} s and {failed} failed attempts");
            }

            failures += failed;
        }

        await restart;
        await writer.CloseAsync(StageOutcome.Completed, CancellationToken.None);

        Assert.True(failures > 0);
        await using var connection = new NpgsqlConnection(server.ConnectionString);
        await connection.OpenAsync();
        var (rows, distinctSteps, min, max) = await connection.QuerySingleAsync<(long, long, long, long)>(
            $"""
            SELECT count(*), count(DISTINCT s.step), min(s.step), max(s.step)
            FROM "{schema}".stats s JOIN "{schema}".runs r ON r.id = s.run_id WHERE r.name = @name
            """,
            new { name = context.RunName });
        Assert.Equal((batches * perBatch * 20L, batches * perBatch, 0L, batches * perBatch - 1L), (rows, distinctSteps, min, max));
    }

    [Fact]
    public async Task ServerDownAtOpen_OpenIsRetriedUntilItIsBack()
    {
        await using var server = await PrivatePostgres.StartAsync();
        var schema = PostgresServer.NewSchema();
        var options = new PostgresWriterOptions { Enabled = true, ConnectionString = server.ConnectionString, Schema = schema };
        await using var writer = new PostgresStatsWriter(options, NullLogger<PostgresStatsWriter>.Instance);
        var context = new WriterContext(Path.GetTempPath(), "train", 0, "down-at-open-" + Guid.NewGuid().ToString("N"));

        await server.StopAsync();
        var restart = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(3));
            await server.StartAgainAsync();
        });
        var failures = await RetryAsync(() => writer.OpenAsync(context, CancellationToken.None).AsTask(), TimeSpan.FromSeconds(60));
        await restart;

        Assert.True(failures > 0, "the open should have failed while the server was down");
        await writer.WriteAsync(Batch("train", 0, 10), CancellationToken.None);
        await writer.CloseAsync(StageOutcome.Completed, CancellationToken.None);
        await using var connection = new NpgsqlConnection(server.ConnectionString);
        await connection.OpenAsync();
        Assert.Equal(200L, await connection.ExecuteScalarAsync<long>(
            $"""SELECT count(*) FROM "{schema}".stats s JOIN "{schema}".runs r ON r.id = s.run_id WHERE r.name = @name""",
            new { name = context.RunName }));
    }
}
