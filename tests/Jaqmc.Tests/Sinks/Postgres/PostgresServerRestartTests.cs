using System.Diagnostics;
using Dapper;
using Jaqmc.Sinks;
using Jaqmc.Sinks.Postgres;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;
using static Jaqmc.Tests.Sinks.Postgres.PostgresTestHelpers;

namespace Jaqmc.Tests.Sinks.Postgres;

/// <summary>Stopping the server takes every other test's connections with it: run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PostgresServerRestartCollection
{
    public const string Name = "Postgres server restart";
}

/// <summary>
/// A server outage of several seconds in the middle of a stage (pg_ctl stop -m fast, then start). Runs only when
/// the test knows how to stop the server: TEST_POSTGRES_DATADIR and TEST_POSTGRES_PGCTL, as set by
/// <c>scripts/test-postgres.sh start</c>; otherwise it passes without doing anything and says so.
/// </summary>
[Collection(PostgresServerRestartCollection.Name)]
public sealed class PostgresServerRestartTests : IClassFixture<PostgresFixture>, IAsyncLifetime
{
    private readonly PostgresFixture _server;
    private readonly ITestOutputHelper _output;
    private readonly string _schema = PostgresFixture.NewSchema();

    public PostgresServerRestartTests(PostgresFixture server, ITestOutputHelper output)
    {
        _server = server;
        _output = output;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _server.DropSchemaAsync(_schema);

    [Fact]
    public async Task ServerStoppedForSeconds_MidStage_RetriedWritesLoseAndDuplicateNothing()
    {
        var pgctl = PostgresFixture.PgCtl;
        if (string.IsNullOrEmpty(pgctl) || string.IsNullOrEmpty(PostgresFixture.DataDirectory))
        {
            _output.WriteLine("Not run: TEST_POSTGRES_PGCTL / TEST_POSTGRES_DATADIR are not set (scripts/test-postgres.sh start sets them).");
            return;
        }

        var options = new PostgresWriterOptions { Enabled = true, ConnectionString = _server.ConnectionString, Schema = _schema };
        await using var writer = new PostgresStatsWriter(options, NullLogger<PostgresStatsWriter>.Instance);
        var context = new WriterContext(Path.GetTempPath(), "train", 0, "restart-" + Guid.NewGuid().ToString("N"));
        await writer.OpenAsync(context, CancellationToken.None);

        const int batches = 40, perBatch = 50;
        var failures = 0;
        var outage = Stopwatch.StartNew();
        for (var b = 0; b < batches; b++)
        {
            if (b == 10)
            {
                await PgCtlAsync(pgctl, "-m fast stop");
                outage.Restart();

                // Bring the server back a few seconds later while the writer keeps retrying.
                _ = Task.Run(async () =>
                {
                    await Task.Delay(TimeSpan.FromSeconds(4));
                    await PgCtlAsync(pgctl, "start");
                });
            }

            var batch = Batch("train", b * perBatch, perBatch);
            var failed = await RetryAsync(() => writer.WriteAsync(batch, CancellationToken.None).AsTask(), TimeSpan.FromSeconds(60));
            if (b == 10)
            {
                _output.WriteLine($"batch 10 went through after {outage.Elapsed.TotalSeconds:F1} s and {failed} failed attempts");
            }

            failures += failed;
        }

        await writer.CloseAsync(StageOutcome.Completed, CancellationToken.None);

        Assert.True(failures > 0);
        await using var connection = await _server.OpenAsync();
        var (rows, distinctSteps, min, max) = await connection.QuerySingleAsync<(long, long, long, long)>(
            $"""
            SELECT count(*), count(DISTINCT s.step), min(s.step), max(s.step)
            FROM "{_schema}".stats s JOIN "{_schema}".runs r ON r.id = s.run_id WHERE r.name = @name
            """,
            new { name = context.RunName });
        Assert.Equal((batches * perBatch * 20L, batches * perBatch, 0L, batches * perBatch - 1L), (rows, distinctSteps, min, max));
    }

    [Fact]
    public async Task ServerDownAtOpen_OpenIsRetriedUntilItIsBack()
    {
        var pgctl = PostgresFixture.PgCtl;
        if (string.IsNullOrEmpty(pgctl) || string.IsNullOrEmpty(PostgresFixture.DataDirectory))
        {
            _output.WriteLine("Not run: TEST_POSTGRES_PGCTL / TEST_POSTGRES_DATADIR are not set (scripts/test-postgres.sh start sets them).");
            return;
        }

        var options = new PostgresWriterOptions { Enabled = true, ConnectionString = _server.ConnectionString, Schema = _schema };
        await using var writer = new PostgresStatsWriter(options, NullLogger<PostgresStatsWriter>.Instance);
        var context = new WriterContext(Path.GetTempPath(), "train", 0, "down-at-open-" + Guid.NewGuid().ToString("N"));

        await PgCtlAsync(pgctl, "-m fast stop");
        var restart = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(3));
            await PgCtlAsync(pgctl, "start");
        });
        var failures = await RetryAsync(() => writer.OpenAsync(context, CancellationToken.None).AsTask(), TimeSpan.FromSeconds(60));
        await restart;

        Assert.True(failures > 0, "the open should have failed while the server was down");
        await writer.WriteAsync(Batch("train", 0, 10), CancellationToken.None);
        await writer.CloseAsync(StageOutcome.Completed, CancellationToken.None);
        await using var connection = await _server.OpenAsync();
        Assert.Equal(200L, await connection.ExecuteScalarAsync<long>(
            $"""SELECT count(*) FROM "{_schema}".stats s JOIN "{_schema}".runs r ON r.id = s.run_id WHERE r.name = @name""",
            new { name = context.RunName }));
    }

    private static async Task PgCtlAsync(string pgctl, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(pgctl, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{pgctl} {arguments} exited with {process.ExitCode}: {await process.StandardError.ReadToEndAsync()}");
    }
}
