using Dapper;
using Jaqmc.Sinks;
using Jaqmc.Sinks.Postgres;
using Npgsql;

namespace Jaqmc.Tests.Sinks.Postgres;

/// <summary>
/// Schema version 3's summaries (latest values, stage extents, 64-step blocks) and <c>curve()</c>, checked
/// against a direct computation over <c>stat_values</c> after migrating, writing, resuming and retrying.
/// </summary>
public sealed class PostgresViewingTests(PostgresFixture server, CurveStageFixture curveStage)
    : IClassFixture<PostgresFixture>, IClassFixture<CurveStageFixture>, IAsyncLifetime
{
    /// <summary>
    /// The command timeout of these tests' own connections: their writes go through the summary triggers, which on a
    /// starved CI server (a busy 2-core box) outlasted Npgsql's 30 s default. A timeout is not what they check.
    /// </summary>
    internal const int BusyServerTimeoutSeconds = 600;

    private readonly string _schema = PostgresServer.NewSchema();
    private readonly string _directory = Directory.CreateTempSubdirectory("jaqmc-view-").FullName;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await server.DropSchemaAsync(_schema);
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task SchemaVersion2Database_IsMigrated_AndItsSummariesMatchTheValues()
    {
        await using var db = await server.OpenAsync(BusyServerTimeoutSeconds);
        await PostgresSchema.EnsureAsync(db, _schema, CancellationToken.None, upToVersion: 2);
        await db.ExecuteAsync(
            $"""
            INSERT INTO "{_schema}".runs (name, host, status) VALUES ('a', 'h', 'completed'), ('b', 'h', 'failed');
            INSERT INTO "{_schema}".run_stages (run_id, stage, status, initial_step)
            SELECT id, stage, 'completed', 0 FROM "{_schema}".runs, unnest(ARRAY['train', 'evaluation']) stage;
            INSERT INTO "{_schema}".stat_keys (name) VALUES ('total_energy'), ('pmove'), ('late key');
            -- 'late key' appears at step 150 and stops at 260; one NaN and one -Infinity among the energies.
            INSERT INTO "{_schema}".stat_values (stage_id, key_id, step, value)
            SELECT st.id, k.id, step,
                   CASE WHEN step = 77 AND k.name = 'total_energy' THEN 'NaN'::float8
                        WHEN step = 78 AND k.name = 'total_energy' THEN '-Infinity'::float8
                        ELSE sin(step * 0.1 + st.id) + k.id END
            FROM "{_schema}".run_stages st CROSS JOIN "{_schema}".stat_keys k CROSS JOIN generate_series(3, 299) step
            WHERE k.name <> 'late key' OR step BETWEEN 150 AND 260
            ORDER BY st.id, step, k.id;
            """);

        var (before, after) = await PostgresSchema.EnsureAsync(db, _schema, CancellationToken.None);

        Assert.Equal((2, PostgresSchema.LatestVersion), (before, after));
        await AssertSummariesMatchValuesAsync(db);
        var latest = await db.QueryAsync<(string Name, long Step)>(
            $"""SELECT name, step FROM "{_schema}".latest_stats WHERE run = 'b' AND stage = 'train' ORDER BY name""");
        Assert.Equal([("late key", 260L), ("pmove", 299L), ("total_energy", 299L)], latest);
        var stage = await db.QuerySingleAsync<(long First, long Last, long Values)>(
            $"""
            SELECT first_step, last_step, value_count FROM "{_schema}".run_stages st
            JOIN "{_schema}".runs r ON r.id = st.run_id WHERE r.name = 'a' AND st.stage = 'train'
            """);
        Assert.Equal((3L, 299L, (297L * 2) + 111), stage);
    }

    [Fact]
    public async Task WritingResumingAndRetryingThroughTheWriter_KeepsTheSummariesExact()
    {
        var keys = PostgresTestHelpers.TwentyKeys;
        await using (var writer = CreateWriter())
        {
            await writer.OpenAsync(new WriterContext(_directory, "train", 0, "run"), CancellationToken.None);
            await writer.WriteAsync(PostgresTestHelpers.Batch("train", 0, 700), CancellationToken.None);
            await writer.WriteAsync(PostgresTestHelpers.Batch("train", 700, 300), CancellationToken.None);

            // The same batch again, as after a commit whose acknowledgement was lost: the writer deletes and copies.
            await writer.WriteAsync(PostgresTestHelpers.Batch("train", 700, 300, seed: 5), CancellationToken.None);
            await writer.CloseAsync(StageOutcome.Interrupted, CancellationToken.None);
        }

        // Resume from a checkpoint at step 613: the tail goes, a cut block is recomputed, then a key drops out.
        await using (var writer = CreateWriter())
        {
            await writer.OpenAsync(new WriterContext(_directory, "train", 613, "run"), CancellationToken.None);
            var fewer = new StatsKeys(keys.Take(3));
            await writer.WriteAsync(
                [.. Enumerable.Range(613, 40).Select(s => new StatsRecord("train", s, fewer, [s, -s, double.PositiveInfinity]))],
                CancellationToken.None);
            await writer.CloseAsync(StageOutcome.Completed, CancellationToken.None);
        }

        await using var db = await server.OpenAsync(BusyServerTimeoutSeconds);
        await AssertSummariesMatchValuesAsync(db);
        var stage = await db.QuerySingleAsync<(long First, long Last, long Values)>(
            $"""SELECT first_step, last_step, value_count FROM "{_schema}".run_stages""");
        Assert.Equal((0L, 652L, (613L * 20) + (40 * 3)), stage);
        var energy = await db.QuerySingleAsync<(long Step, double Value)>(
            $"""SELECT step, value FROM "{_schema}".latest_stats WHERE run = 'run' AND name = 'key_05'""");
        Assert.Equal((612L, PostgresTestHelpers.TwentyKeyRecord("train", 612).Values[5]), energy);
    }

    [Theory]
    [InlineData(null, null, 2000)]      // the whole stage: blocks of 64, partial blocks at both ends
    [InlineData(null, null, 7)]         // wide buckets
    [InlineData(1001, 1999, 2000)]      // a zoom narrower than the points: one value per bucket
    [InlineData(5, 30_000, 500)]        // values one by one, buckets of 60
    [InlineData(70, 40_000, 333)]       // blocks, edges mid-block
    [InlineData(128, 40_191, 1000)]     // blocks, edges on block boundaries
    [InlineData(16_000, 16_000, 10)]    // one step
    [InlineData(-500, 1_000_000, 3)]    // a range wider than the stage
    public async Task Curve_BucketsAreExact_AgainstADirectComputation(int? from, int? to, int points)
    {
        // The stage is written once for every case (CurveStageFixture): the cases only read it.
        var values = await curveStage.ValuesAsync();
        await using var db = await curveStage.OpenAsync();

        var buckets = (await db.QueryAsync<(long Step, long LastStep, long Count, double Min, double Max, double Mean, double Last)>(
            $"""SELECT * FROM "{curveStage.Schema}".curve('curve run', 'train', 'energy: "total"', @from, @to, @points)""",
            new { from = (long?)from, to = (long?)to, points })).ToList();

        var expected = DirectBuckets(values, from ?? long.MinValue, to ?? long.MaxValue, points);
        Assert.Equal(expected.Count, buckets.Count);
        Assert.InRange(buckets.Count, 1, points + 1);
        for (var i = 0; i < expected.Count; i++)
        {
            var (e, b) = (expected[i], buckets[i]);
            Assert.Equal((e.Step, e.LastStep, e.Count), (b.Step, b.LastStep, b.Count));
            Assert.Equal(e.Min, b.Min);
            Assert.Equal(e.Max, b.Max);
            Assert.Equal(e.Last, b.Last);

            // Exact but for the order of summation: sums of blocks against a sum of values.
            if (double.IsFinite(e.Mean))
            {
                Assert.True(Math.Abs(e.Mean - b.Mean) <= 1e-12 * Math.Max(1, Math.Abs(e.Mean)), $"bucket {e.Step}: mean {b.Mean}, expected {e.Mean}");
            }
            else
            {
                Assert.Equal(e.Mean, b.Mean);
            }
        }
    }

    [Fact]
    public async Task Curve_OfAnUnknownRunOrKey_IsEmpty_AndZeroPointsAreAnError()
    {
        await using var db = await server.OpenAsync(BusyServerTimeoutSeconds);
        await PostgresSchema.EnsureAsync(db, _schema, CancellationToken.None);

        Assert.Empty(await db.QueryAsync($"""SELECT * FROM "{_schema}".curve('nobody', 'train', 'total_energy')"""));
        var error = await Assert.ThrowsAsync<PostgresException>(
            () => db.QueryAsync($"""SELECT * FROM "{_schema}".curve('nobody', 'train', 'total_energy', points => 0)"""));
        Assert.Contains("points must be at least 1 (got 0)", error.Message, StringComparison.Ordinal);
    }

    /// <summary>The documented bucketing, computed value by value; PostgreSQL orders NaN above every number.</summary>
    private static List<(long Step, long LastStep, long Count, double Min, double Max, double Mean, double Last)> DirectBuckets(
        IReadOnlyList<(long Step, double Value)> values, long from, long to, int points)
    {
        var lo = Math.Max(from, values[0].Step);
        var hi = Math.Min(to, values[^1].Step);
        var width = (hi - lo + points) / points;
        if (hi - lo + 1 > PostgresViewingMigration.RawStepLimit)
        {
            width = (width + PostgresViewingMigration.BlockSteps - 1) / PostgresViewingMigration.BlockSteps * PostgresViewingMigration.BlockSteps;
        }

        static double Min(double a, double b) => double.IsNaN(a) ? b : double.IsNaN(b) ? a : Math.Min(a, b);
        static double Max(double a, double b) => double.IsNaN(a) || double.IsNaN(b) ? double.NaN : Math.Max(a, b);
        return values.Where(v => v.Step >= lo && v.Step <= hi)
            .GroupBy(v => v.Step / width)
            .Select(g => g.ToList())
            .Select(g => (g[0].Step, g[^1].Step, (long)g.Count, g.Select(v => v.Value).Aggregate(Min), g.Select(v => v.Value).Aggregate(Max),
                g.Sum(v => v.Value) / g.Count, g[^1].Value))
            .ToList();
    }

    private PostgresStatsWriter CreateWriter() => server.CreatePatientWriter(_schema);

    /// <summary>Every summary row equals what a direct computation over <c>stat_values</c> gives, and none is extra.</summary>
    private async Task AssertSummariesMatchValuesAsync(NpgsqlConnection db)
    {
        var s = $"\"{_schema}\"";
        var mismatches = await db.QueryAsync<(string What, long Count)>(
            $"""
            WITH direct_blocks AS (
                SELECT stage_id, key_id, step >> 6 AS block, count(*)::integer AS n, min(step) AS first_step, max(step) AS last_step,
                       min(value) AS min_value, max(value) AS max_value, (array_agg(value ORDER BY step DESC))[1] AS last_value,
                       sum(value) AS sum_value
                FROM {s}.stat_values GROUP BY 1, 2, 3),
            kept_blocks AS (
                SELECT stage_id, key_id, block, n, first_step, last_step, min_value, max_value, last_value, sum_value FROM {s}.stat_blocks),
            direct_latest AS (
                SELECT DISTINCT ON (stage_id, key_id) stage_id, key_id, step, value FROM {s}.stat_values ORDER BY stage_id, key_id, step DESC),
            direct_stages AS (
                SELECT st.id, a.first_step, a.last_step, coalesce(a.n, 0) AS n
                FROM {s}.run_stages st LEFT JOIN (
                    SELECT stage_id, min(step) AS first_step, max(step) AS last_step, count(*) AS n
                    FROM {s}.stat_values GROUP BY stage_id) a ON a.stage_id = st.id)
            SELECT 'blocks', count(*) FROM (
                SELECT stage_id, key_id, block, n, first_step, last_step, min_value, max_value, last_value FROM direct_blocks
                EXCEPT SELECT stage_id, key_id, block, n, first_step, last_step, min_value, max_value, last_value FROM kept_blocks) x
            UNION ALL SELECT 'extra blocks', count(*) FROM (
                SELECT stage_id, key_id, block, n FROM kept_blocks EXCEPT SELECT stage_id, key_id, block, n FROM direct_blocks) x
            UNION ALL SELECT 'block sums', count(*) FROM direct_blocks d JOIN kept_blocks k USING (stage_id, key_id, block)
                WHERE d.sum_value <> k.sum_value AND abs(d.sum_value - k.sum_value) > 1e-9 * greatest(1, abs(d.sum_value))
            UNION ALL SELECT 'latest', count(*) FROM (
                SELECT * FROM direct_latest EXCEPT SELECT * FROM {s}.stat_latest) x
            UNION ALL SELECT 'extra latest', count(*) FROM (
                SELECT * FROM {s}.stat_latest EXCEPT SELECT * FROM direct_latest) x
            UNION ALL SELECT 'stages', count(*) FROM (
                SELECT * FROM direct_stages
                EXCEPT SELECT id, first_step, last_step, value_count FROM {s}.run_stages) x
            """);
        Assert.All(mismatches, m => Assert.True(m.Count == 0, $"{m.Count} {m.What} differ from stat_values"));
        Assert.True(await db.ExecuteScalarAsync<long>($"SELECT count(*) FROM {s}.stat_blocks") > 0, "no blocks at all");
    }
}
