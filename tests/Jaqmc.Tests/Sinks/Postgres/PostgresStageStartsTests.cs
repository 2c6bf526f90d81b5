using Dapper;
using Jaqmc.Sinks;
using Jaqmc.Sinks.Postgres;

namespace Jaqmc.Tests.Sinks.Postgres;

/// <summary>
/// Schema version 5 (<c>stage_starts</c>): every opening of a stage is kept, a replayed opening adds no row, an opening
/// at k drops those after k (their rows are gone), and the migration keeps each existing stage's latest opening. Needs PostgreSQL (TEST_POSTGRES_CONNECTION or Docker).
/// </summary>
public sealed class PostgresStageStartsTests(PostgresFixture server) : IClassFixture<PostgresFixture>, IAsyncLifetime
{
    private readonly string _schema = PostgresServer.NewSchema();
    private readonly string _directory = Directory.CreateTempSubdirectory("jaqmc-stage-starts-").FullName;

    private string S => $"\"{_schema}\"";

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await server.DropSchemaAsync(_schema);
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task EveryOpeningIsKept_AReplayedOneAddsNoRow_AndAnEarlierOneDropsTheLaterOnes()
    {
        await OpenAtAsync(0, 40, 70, 70);
        var resumedTwice = await StartsAsync();
        await OpenAtAsync(55);
        var resumedFromAnOlderCheckpoint = await StartsAsync();
        await OpenAtAsync(0);
        var freshRunUnderTheSameName = await StartsAsync();

        Assert.Equal([0L, 40L, 70L], resumedTwice);
        Assert.Equal([0L, 40L, 55L], resumedFromAnOlderCheckpoint);
        Assert.Equal([0L], freshRunUnderTheSameName);
    }

    [Fact]
    public async Task Version4Database_MigratesToVersion5_KeepingEachStagesLatestOpening()
    {
        await using var db = await server.OpenAsync(PostgresViewingTests.BusyServerTimeoutSeconds);
        await PostgresSchema.EnsureAsync(db, _schema, CancellationToken.None, upToVersion: 4);
        await db.ExecuteAsync(
            $"""
            INSERT INTO {S}.runs (name, host, status) VALUES ('a', 'h', 'completed');
            INSERT INTO {S}.run_stages (run_id, stage, status, initial_step)
            SELECT id, 'train', 'completed', 300 FROM {S}.runs UNION ALL SELECT id, 'evaluation', 'completed', 0 FROM {S}.runs;
            """);

        var (before, after) = await PostgresSchema.EnsureAsync(db, _schema, CancellationToken.None);
        var starts = await db.QueryAsync<(string Stage, long InitialStep)>(
            $"SELECT st.stage, ss.initial_step FROM {S}.stage_starts ss JOIN {S}.run_stages st ON st.id = ss.stage_id ORDER BY 1");

        Assert.Equal((4, 5), (before, after));
        Assert.Equal([("evaluation", 0L), ("train", 300L)], starts);
    }

    private async Task OpenAtAsync(params long[] initialSteps)
    {
        foreach (var initialStep in initialSteps)
        {
            await using var writer = CreateWriter();
            await writer.OpenAsync(new WriterContext(_directory, "train", initialStep, "resumed"), CancellationToken.None);
            await writer.CloseAsync(StageOutcome.Interrupted, CancellationToken.None);
        }
    }

    private async Task<List<long>> StartsAsync()
    {
        await using var db = await server.OpenAsync(PostgresViewingTests.BusyServerTimeoutSeconds);
        return [.. await db.QueryAsync<long>(
            $"SELECT ss.initial_step FROM {S}.stage_starts ss JOIN {S}.run_stages st ON st.id = ss.stage_id JOIN {S}.runs r ON r.id = st.run_id WHERE r.name = 'resumed' AND st.stage = 'train' ORDER BY 1")];
    }

    private PostgresStatsWriter CreateWriter() => server.CreatePatientWriter(_schema);
}
