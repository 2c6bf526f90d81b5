using Dapper;
using Jaqmc.Cli;
using Jaqmc.Sinks;
using Jaqmc.Sinks.Postgres;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace Jaqmc.Tests.Sinks.Postgres;

/// <summary>
/// Schema version 4 (<c>stat_values</c> keyed by (stage_id, key_id, step)): the migration from version 3 keeps every
/// value and every view's result, also when interrupted; the writer's deletes, which must name the stage's keys,
/// leave exactly one row per step and key; and export reads a stage window by window.
/// </summary>
public sealed class PostgresKeyOrderTests(PostgresFixture server) : IClassFixture<PostgresFixture>, IAsyncLifetime
{
    private readonly string _schema = PostgresServer.NewSchema();
    private readonly string _directory = Directory.CreateTempSubdirectory("jaqmc-keyorder-").FullName;

    private string S => $"\"{_schema}\"";

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await server.DropSchemaAsync(_schema);
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Version3Database_MigratesToVersion4_KeepingEveryValueAndEveryViewResult()
    {
        await using var db = await server.OpenAsync(PostgresViewingTests.BusyServerTimeoutSeconds);
        await FillVersion3Async(db);
        var before = await SnapshotAsync(db);

        var (from, to) = await PostgresSchema.EnsureAsync(db, _schema, CancellationToken.None);

        Assert.Equal((3, PostgresSchema.LatestVersion), (from, to));
        Assert.Equal(["stage_id", "key_id", "step"], await PrimaryKeyAsync(db));
        Assert.Equal(["stat_values_pkey"], await db.QueryAsync<string>(
            $"SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = '{S}.stat_values'::regclass"));
        before.AssertEqual(await SnapshotAsync(db));
    }

    [Fact]
    public async Task MigrationInterruptedWhileWaitingForTheTable_LeavesVersion3AsItWas_AndTheNextOpenCompletesIt()
    {
        await using var db = await server.OpenAsync(PostgresViewingTests.BusyServerTimeoutSeconds);
        await FillVersion3Async(db);
        var before = await SnapshotAsync(db);

        // A reader holds the table: the migration builds its index beside the old one, then waits to swap them.
        await using var reader = await server.OpenAsync();
        await using (var readerTransaction = await reader.BeginTransactionAsync())
        {
            await reader.ExecuteAsync($"SELECT count(*) FROM {S}.stat_values", transaction: readerTransaction);
            await using var migrating = await server.OpenAsync(PostgresViewingTests.BusyServerTimeoutSeconds);
            using var cancel = new CancellationTokenSource();
            var migration = PostgresSchema.EnsureAsync(migrating, _schema, cancel.Token);
            await PostgresTestHelpers.RetryAsync(async () =>
            {
                var waiting = await db.ExecuteScalarAsync<bool>(
                    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE pid = @pid AND NOT granted AND relation = CAST(@table AS regclass))",
                    new { pid = migrating.ProcessID, table = $"{S}.stat_values" });
                Assert.True(waiting || migration.IsCompleted, "the migration is not waiting for stat_values yet");
            }, TimeSpan.FromMinutes(5));

            await cancel.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => migration);
            await readerTransaction.RollbackAsync();
        }

        Assert.Equal(3, await db.ExecuteScalarAsync<int>($"SELECT max(version) FROM {S}.schema_version"));
        Assert.Equal(["stage_id", "step", "key_id"], await PrimaryKeyAsync(db));
        Assert.Equal(1, await db.ExecuteScalarAsync<int>($"SELECT count(*) FROM pg_index WHERE indrelid = '{S}.stat_values'::regclass"));
        before.AssertEqual(await SnapshotAsync(db));

        // What the next writer to open does: the migration again, from the start.
        Assert.Equal((3, PostgresSchema.LatestVersion), await PostgresSchema.EnsureAsync(db, _schema, CancellationToken.None));
        Assert.Equal(["stage_id", "key_id", "step"], await PrimaryKeyAsync(db));
        before.AssertEqual(await SnapshotAsync(db));
    }

    [Fact]
    public async Task ResumeAtK_AfterAKeyThatOnlyTheTailHad_LeavesExactlyOneRowPerStepAndKey()
    {
        var keys = PostgresTestHelpers.TwentyKeys;
        var withLateKey = new StatsKeys(keys.Append("late key"));
        await using (var writer = CreateWriter())
        {
            await writer.OpenAsync(new WriterContext(_directory, "train", 0, "run"), CancellationToken.None);
            await writer.WriteAsync(PostgresTestHelpers.Batch("train", 0, 500), CancellationToken.None);
            await writer.WriteAsync(PostgresTestHelpers.Batch("train", 500, 500), CancellationToken.None);
            await writer.WriteAsync(
                [.. Enumerable.Range(1000, 100).Select(s => new StatsRecord("train", s, withLateKey, [.. PostgresTestHelpers.TwentyKeyRecord("train", s).Values, -s]))],
                CancellationToken.None);
            await writer.CloseAsync(StageOutcome.Interrupted, CancellationToken.None);
        }

        await using (var writer = CreateWriter())
        {
            await writer.OpenAsync(new WriterContext(_directory, "train", 600, "run"), CancellationToken.None);
            await writer.WriteAsync(PostgresTestHelpers.Batch("train", 600, 300, seed: 7), CancellationToken.None);

            // A retried batch (lost acknowledgement) replaces its own steps.
            await writer.WriteAsync(PostgresTestHelpers.Batch("train", 600, 300, seed: 7), CancellationToken.None);
            await writer.WriteAsync(PostgresTestHelpers.Batch("train", 900, 300, seed: 7), CancellationToken.None);
            await writer.CloseAsync(StageOutcome.Completed, CancellationToken.None);
        }

        await using var db = await server.OpenAsync(PostgresViewingTests.BusyServerTimeoutSeconds);
        var rows = (await db.QueryAsync<(long Step, string Name, double Value)>(
            $"""SELECT step, name, value FROM {S}.stats WHERE stage = 'train' ORDER BY step, name COLLATE "C" """)).ToList();
        var expected = PostgresTestHelpers.Batch("train", 0, 600)
            .Concat(PostgresTestHelpers.Batch("train", 600, 600, seed: 7))
            .SelectMany(r => r.Keys.Select((k, i) => (r.Step, Name: k, Value: r.Values[i])))
            .OrderBy(c => c.Step).ThenBy(c => c.Name, StringComparer.Ordinal)
            .ToList();
        Assert.Equal(expected, rows);
        Assert.Equal(1200, await db.ExecuteScalarAsync<long>($"SELECT count(*) FROM {S}.stats_by_step WHERE run = 'run'"));
        Assert.Empty(await db.QueryAsync($"SELECT 1 FROM {S}.latest_stats WHERE name = 'late key'"));
    }

    [Fact]
    public async Task WritersDeletes_OnAStageNewerThanTheStatistics_ReadOneIndexRangePerKey()
    {
        await using (var writer = CreateWriter())
        {
            await writer.OpenAsync(new WriterContext(_directory, "train", 0, "analyzed"), CancellationToken.None);
            await writer.WriteAsync(PostgresTestHelpers.Batch("train", 0, 3000), CancellationToken.None);
            await writer.CloseAsync(StageOutcome.Completed, CancellationToken.None);
        }

        await using var db = await server.OpenAsync(PostgresViewingTests.BusyServerTimeoutSeconds);
        await db.ExecuteAsync($"ANALYZE {S}.stat_values; ANALYZE {S}.stat_latest");
        await using (var writer = CreateWriter())
        {
            // Written after ANALYZE: the planner's statistics know nothing of this stage.
            await writer.OpenAsync(new WriterContext(_directory, "train", 0, "new"), CancellationToken.None);
            await writer.WriteAsync(PostgresTestHelpers.Batch("train", 0, 3000), CancellationToken.None);
            await writer.CloseAsync(StageOutcome.Completed, CancellationToken.None);
        }

        var stageId = await db.ExecuteScalarAsync<int>(
            $"SELECT st.id FROM {S}.run_stages st JOIN {S}.runs r ON r.id = st.run_id WHERE r.name = 'new'");
        foreach (var steps in new[] { "step >= @first", "step BETWEEN @first AND @first + 99" })
        {
            var plan = string.Join('\n', await db.QueryAsync<string>(
                $"EXPLAIN DELETE FROM {S}.stat_values WHERE {PostgresStatsWriter.StageKeys(S)} AND {steps}",
                new { stageId, first = 2900L }));
            Assert.Matches(@"Index Cond: \(\(stage_id = \$\d+\) AND \(key_id = ANY \(\$\d+\)\) AND \(step >= ", plan);
            Assert.DoesNotContain("Filter: (key_id", plan, StringComparison.Ordinal);
            Assert.DoesNotContain("Seq Scan on stat_values", plan, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Export_ReadsAStageWindowByWindow_AcrossGapsAndKeysThatStartLate()
    {
        await using (var db = await server.OpenAsync(PostgresViewingTests.BusyServerTimeoutSeconds))
        {
            await PostgresSchema.EnsureAsync(db, _schema, CancellationToken.None);
            await db.ExecuteAsync(
                $"""
                INSERT INTO {S}.runs (name, host) VALUES ('gappy', 'h');
                INSERT INTO {S}.run_stages (run_id, stage, status, initial_step) SELECT id, 'train', 'completed', 0 FROM {S}.runs;
                INSERT INTO {S}.stat_keys (name) VALUES ('b'), ('a'), ('late');
                INSERT INTO {S}.stat_values (stage_id, key_id, step, value)
                SELECT 1, k, step, CASE WHEN step = 4095 AND k = 1 THEN 'NaN'::float8 ELSE step * 10 + k END
                FROM generate_series(-3, 5000) step CROSS JOIN generate_series(1, 3) k
                WHERE k < 3 OR step >= 4100
                UNION ALL
                SELECT 1, k, step, step * 10 + k FROM generate_series(20000, 28200) step CROSS JOIN generate_series(1, 3) k
                ORDER BY 1, 2, 3;
                """);
        }

        var settings = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Writers:Postgres:Schema"] = _schema }).Build();
        await using var store = PostgresRunStore.TryCreate(server.ConnectionString, settings)!;
        var stage = new PostgresStageReader(store, "gappy", "train");
        var keys = await stage.KeysAsync(CancellationToken.None);
        var steps = new List<(long Step, double A, double B, double Late)>();
        await stage.ForEachStepAsync(keys, (step, values) =>
        {
            steps.Add((step, values[0], values[1], values[2]));
            return Task.CompletedTask;
        }, CancellationToken.None);

        Assert.Equal(["a", "b", "late"], keys.Select(k => k.Name));
        var expected = Enumerable.Range(-3, 5004).Concat(Enumerable.Range(20000, 8201))
            .Select(s => ((long)s, s * 10.0 + 2, s == 4095 ? double.NaN : s * 10.0 + 1, s >= 4100 ? s * 10.0 + 3 : double.NaN))
            .ToList();
        Assert.Equal(expected, steps);
    }

    private PostgresStatsWriter CreateWriter() => server.CreatePatientWriter(_schema);

    /// <summary>A version-3 schema with two runs, two stages each, odd key names, non-finite values and gaps.</summary>
    private async Task FillVersion3Async(NpgsqlConnection db)
    {
        await PostgresSchema.EnsureAsync(db, _schema, CancellationToken.None, upToVersion: 3);
        await db.ExecuteAsync(
            $"""
            INSERT INTO {S}.runs (name, host, status) VALUES ('a', 'h', 'completed'), ('b', 'h', 'failed');
            INSERT INTO {S}.run_stages (run_id, stage, status, initial_step)
            SELECT id, stage, 'completed', 0 FROM {S}.runs, unnest(ARRAY['train', 'evaluation']) stage;
            INSERT INTO {S}.stat_keys (name) VALUES ('total_energy'), ('energy: "kinetic"'), ('pmove'), ('Énergie late');
            INSERT INTO {S}.stat_values (stage_id, key_id, step, value)
            SELECT st.id, k.id, step,
                   CASE WHEN step = 77 AND k.name = 'total_energy' THEN 'NaN'::float8
                        WHEN step = 78 AND k.name = 'total_energy' THEN '-Infinity'::float8
                        WHEN step = 79 AND k.name = 'pmove' THEN 'Infinity'::float8
                        ELSE sin(step * 0.1 + st.id) + k.id END
            FROM {S}.run_stages st CROSS JOIN {S}.stat_keys k CROSS JOIN generate_series(3, 2999) step
            WHERE (k.name <> 'Énergie late' OR step BETWEEN 150 AND 2600) AND step NOT BETWEEN 1000 AND 1199
            ORDER BY st.id, step, k.id;
            """);
    }

    private async Task<List<string>> PrimaryKeyAsync(NpgsqlConnection db) =>
    [
        .. await db.QueryAsync<string>(
            $"""
            SELECT a.attname FROM pg_index i
            CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS c(attnum, position)
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = c.attnum
            WHERE i.indrelid = '{S}.stat_values'::regclass AND i.indisprimary
            ORDER BY c.position
            """),
    ];

    /// <summary>Every value, every view's rows, a filtered read of each view, the summaries and curves.</summary>
    private async Task<Snapshot> SnapshotAsync(NpgsqlConnection db)
    {
        async Task<List<string>> Rows(string sql) => [.. await db.QueryAsync<string>(sql)];
        return new Snapshot(
            await Rows($"SELECT concat_ws(' ', stage_id, key_id, step, value) FROM {S}.stat_values ORDER BY stage_id, key_id, step"),
            await Rows($"""SELECT concat_ws(' ', run_id, stage, step, name, value) FROM {S}.stats ORDER BY run_id, stage, step, name COLLATE "C" """),
            await Rows($"SELECT concat_ws(' ', run, run_id, stage, step, stats) FROM {S}.stats_by_step ORDER BY run, stage, step"),
            await Rows($"""SELECT concat_ws(' ', run, run_id, stage, name, step, value) FROM {S}.latest_stats ORDER BY run, stage, name COLLATE "C" """),
            [
                .. await Rows(
                    $"""
                    SELECT concat_ws(' ', s.step, s.name, s.value) FROM {S}.stats s JOIN {S}.runs r ON r.id = s.run_id
                    WHERE r.name = 'b' AND s.stage = 'train' AND s.name = 'total_energy' AND s.step BETWEEN 70 AND 90 ORDER BY s.step
                    """),
                .. await Rows($"SELECT concat_ws(' ', step, stats) FROM {S}.stats_by_step WHERE run = 'a' AND stage = 'evaluation' AND step BETWEEN 990 AND 1205 ORDER BY step"),
                .. await Rows(
                    $"""
                    SELECT concat_ws(' ', stage_id, key_id, block, first_step, last_step, min_value, max_value, sum_value, last_value, n)
                    FROM {S}.stat_blocks ORDER BY stage_id, key_id, block
                    """),
                .. await Rows($"SELECT concat_ws(' ', id, first_step, last_step, value_count) FROM {S}.run_stages ORDER BY id"),
            ],
            await Rows(
                $"""
                SELECT concat_ws(' ', r.name, st.stage, k.name, c.step, c.last_step, c.count, c.min, c.max, c.mean, c.last)
                FROM {S}.runs r JOIN {S}.run_stages st ON st.run_id = r.id CROSS JOIN {S}.stat_keys k
                CROSS JOIN LATERAL (SELECT * FROM {S}.curve(r.name, st.stage, k.name, NULL, NULL, 9)
                                    UNION ALL SELECT * FROM {S}.curve(r.name, st.stage, k.name, 60, 200, 1000)) c
                ORDER BY r.name, st.stage, k.name COLLATE "C", c.step, c.count
                """));
    }

    private sealed record Snapshot(
        List<string> Values, List<string> Stats, List<string> StatsByStep, List<string> Latest, List<string> Filtered, List<string> Curves)
    {
        public void AssertEqual(Snapshot after)
        {
            Assert.True(Values.Count > 40_000, $"only {Values.Count} values");
            Assert.Equal(Values, after.Values);
            Assert.Equal(Stats, after.Stats);
            Assert.Equal(StatsByStep, after.StatsByStep);
            Assert.Equal(Latest, after.Latest);
            Assert.Equal(Filtered, after.Filtered);
            Assert.Equal(Curves, after.Curves);
        }
    }
}
