using Dapper;
using Jaqmc.Sinks;
using Jaqmc.Sinks.Postgres;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using Npgsql;
using Xunit.Abstractions;
using static Jaqmc.Tests.Sinks.Postgres.PostgresTestHelpers;

namespace Jaqmc.Tests.Sinks.Postgres;

/// <summary>The suite against the shared server: <c>TEST_POSTGRES_CONNECTION</c>, or else a container.</summary>
public sealed class PostgresStatsWriterTests(PostgresFixture server) : PostgresStatsWriterSuite(server), IClassFixture<PostgresFixture>;

/// <summary>
/// The same suite against a container that Testcontainers starts from <c>TEST_POSTGRES_IMAGE</c>, whatever
/// <c>TEST_POSTGRES_CONNECTION</c> says; each test's output names the image, the container and its port.
/// </summary>
[Collection(PostgresContainerCollection.Name)]
[Trait("Category", PostgresContainerCollection.Category)]
public sealed class PostgresStatsWriterContainerTests : PostgresStatsWriterSuite
{
    public PostgresStatsWriterContainerTests(PostgresContainerFixture server, ITestOutputHelper output)
        : base(server)
    {
        output.WriteLine(server.Description);
    }
}

/// <summary>The writer contract against a real server, plus what only a database writer must do.</summary>
public abstract class PostgresStatsWriterSuite : StatsWriterContractTests
{
    private readonly PostgresServer _server;
    private readonly string _schema = PostgresServer.NewSchema();

    protected PostgresStatsWriterSuite(PostgresServer server)
    {
        _server = server;
    }

    public override async Task DisposeAsync()
    {
        await _server.DropSchemaAsync(_schema);
        await base.DisposeAsync();
    }

    protected override IStatsWriter CreateWriter() => CreatePostgresWriter();

    private PostgresStatsWriter CreatePostgresWriter(string? connectionString = null) =>
        new(Options(connectionString), NullLogger<PostgresStatsWriter>.Instance);

    private PostgresWriterOptions Options(string? connectionString = null) => new()
    {
        Enabled = true,
        ConnectionString = connectionString ?? _server.ConnectionString,
        Schema = _schema,
    };

    protected override Task<IReadOnlyList<WrittenRow>> ReadBackAsync(string stage) => ReadBackAsync(RunName, stage);

    private async Task<IReadOnlyList<WrittenRow>> ReadBackAsync(string run, string stage)
    {
        await using var connection = await _server.OpenAsync();
        var cells = await connection.QueryAsync<(long Step, string Name, double Value)>(
            $"""
            SELECT s.step, s.name, s.value
            FROM "{_schema}".stats s JOIN "{_schema}".runs r ON r.id = s.run_id
            WHERE r.name = @run AND s.stage = @stage
            ORDER BY s.step, s.name
            """,
            new { run, stage });
        return cells
            .GroupBy(c => c.Step)
            .Select(g => new WrittenRow(g.Key, g.ToDictionary(c => c.Name, c => c.Value, StringComparer.Ordinal)))
            .ToList();
    }

    private WriterContext ContextFor(string run, string stage = "train", long initialStep = 0) =>
        new(WorkingDirectory, stage, initialStep, run);

    private async Task<long> CountAsync(string where, object? parameters = null)
    {
        await using var connection = await _server.OpenAsync();
        return await connection.ExecuteScalarAsync<long>(
            $"""SELECT count(*) FROM "{_schema}".stats s JOIN "{_schema}".runs r ON r.id = s.run_id WHERE {where}""", parameters);
    }

    private async Task WriteRunAsync(string run, string stage, long initialStep, long from, int count, int seed = 0)
    {
        await using var writer = CreatePostgresWriter();
        await writer.OpenAsync(ContextFor(run, stage, initialStep), CancellationToken.None);
        if (count > 0)
        {
            await writer.WriteAsync(Batch(stage, from, count, seed), CancellationToken.None);
        }

        await writer.CloseAsync(StageOutcome.Completed, CancellationToken.None);
    }

    [Fact]
    public async Task Resume_DeletesExactlyTheRowsAtOrAfterK_OfThatRunAndStageOnly()
    {
        await WriteRunAsync("a", "train", 0, 0, 50);
        await WriteRunAsync("a", "evaluation", 0, 0, 50);
        await WriteRunAsync("b", "train", 0, 0, 50);

        await WriteRunAsync("a", "train", 20, 20, 0);

        Assert.Equal(20 * 20, await CountAsync("r.name = 'a' AND s.stage = 'train'"));
        Assert.Equal(0, await CountAsync("r.name = 'a' AND s.stage = 'train' AND s.step >= 20"));
        Assert.Equal(50 * 20, await CountAsync("r.name = 'a' AND s.stage = 'evaluation'"));
        Assert.Equal(50 * 20, await CountAsync("r.name = 'b' AND s.stage = 'train'"));
        AssertRowsEqual(Batch("train", 0, 20), await ReadBackAsync("a", "train"));
        AssertRowsEqual(Batch("train", 0, 50), await ReadBackAsync("b", "train"));

        // Reopening a run reuses its row and draws no id: run ids stay dense.
        await using var connection = await _server.OpenAsync();
        var ids = (await connection.QueryAsync<long>($"""SELECT id FROM "{_schema}".runs ORDER BY id""")).ToList();
        Assert.Equal([ids[0], ids[0] + 1], ids);
    }

    [Fact]
    public async Task SameBatchWrittenTwice_AsAfterALostCommitAcknowledgement_IsStoredOnce()
    {
        await using var writer = CreatePostgresWriter();
        await writer.OpenAsync(Context(), CancellationToken.None);
        var first = Batch("train", 0, 10);
        var second = Batch("train", 10, 10);

        await writer.WriteAsync(first, CancellationToken.None);
        await writer.WriteAsync(first, CancellationToken.None);
        await writer.WriteAsync(second, CancellationToken.None);
        await writer.WriteAsync(second, CancellationToken.None);
        await writer.CloseAsync(StageOutcome.Completed, CancellationToken.None);

        AssertRowsEqual(Batch("train", 0, 20), await ReadBackAsync("train"));
    }

    [Fact]
    public async Task RepeatedStepWithinABatch_KeepsTheLastValueInsteadOfFailingForever()
    {
        var keys = new StatsKeys("x");
        await using var writer = CreatePostgresWriter();
        await writer.OpenAsync(Context(), CancellationToken.None);
        await writer.WriteAsync(
            [new StatsRecord("train", 0, keys, [1]), new StatsRecord("train", 1, keys, [2]), new StatsRecord("train", 1, keys, [3])],
            CancellationToken.None);

        var rows = await ReadBackAsync("train");
        Assert.Equal([0L, 1], rows.Select(r => r.Step));
        Assert.Equal(3.0, rows[1].Values["x"]);
    }

    [Fact]
    public async Task ABatch_IsStoredKeyByKey_WithinEachRunOfRecordsWithTheSameKeys()
    {
        // One key's values together on disk: a curve read value by value then touches a page per batch, not a page
        // per few steps. Records with equal keys in other StatsKeys instances join the run; another order does not.
        var early = new StatsKeys("b", "d");
        var late = new StatsKeys("a", "b", "c", "d");
        StatsRecord[] records =
        [
            new("train", 0, early, [1, 2]),
            new("train", 1, early, [3, 4]),
            new("train", 2, new StatsKeys("b", "d"), [5, 6]),
            new("train", 3, late, [7, 8, 9, 10]),
            new("train", 4, new StatsKeys("d", "b"), [11, 12]),
            new("train", 5, early, [13, 14]),
        ];
        await using (var writer = CreatePostgresWriter())
        {
            await writer.OpenAsync(Context(), CancellationToken.None);
            await writer.WriteAsync(records, CancellationToken.None);
            await writer.CloseAsync(StageOutcome.Completed, CancellationToken.None);
        }

        AssertRowsEqual(records, await ReadBackAsync("train"));
        await using var connection = await _server.OpenAsync();
        var ids = (await connection.QueryAsync<(string Name, int Id)>($"""SELECT name, id FROM "{_schema}".stat_keys""")).ToDictionary(k => k.Name, k => k.Id);
        var stored = (await connection.QueryAsync<(int KeyId, long Step)>(
            $"""
            SELECT v.key_id, v.step FROM "{_schema}".stat_values v
            JOIN "{_schema}".run_stages st ON st.id = v.stage_id JOIN "{_schema}".runs r ON r.id = st.run_id
            WHERE r.name = @run AND st.stage = 'train' ORDER BY v.ctid
            """,
            new { run = RunName })).ToList();
        (int, long)[] KeyByKey(string[] keys, params long[] steps) =>
            [.. keys.Select(k => ids[k]).Order().SelectMany(id => steps.Select(step => (id, step)))];
        Assert.Equal(
            [.. KeyByKey(["b", "d"], 0, 1, 2), .. KeyByKey(["a", "b", "c", "d"], 3), .. KeyByKey(["b", "d"], 4), .. KeyByKey(["b", "d"], 5)],
            stored);
    }

    [Theory]
    [InlineData(StageOutcome.Completed, "completed")]
    [InlineData(StageOutcome.Interrupted, "interrupted")]
    [InlineData(StageOutcome.Failed, "failed")]
    public async Task Status_IsRunningWhileOpen_AndFollowsTheOutcomeOnClose(StageOutcome outcome, string expected)
    {
        await using var writer = CreatePostgresWriter();
        await writer.OpenAsync(Context() with { RunConfiguration = """{"lr": 0.05, "network": "ferminet"}""" }, CancellationToken.None);
        Assert.Equal(("running", "running"), await StatusAsync());

        await writer.CloseAsync(outcome, CancellationToken.None);
        Assert.Equal((expected, expected), await StatusAsync());

        await using var connection = await _server.OpenAsync();
        var (host, network) = await connection.QuerySingleAsync<(string, string)>(
            $"""SELECT host, config->>'network' FROM "{_schema}".runs WHERE name = @RunName""", new { RunName });
        Assert.Equal(Environment.MachineName, host);
        Assert.Equal("ferminet", network);
    }

    private async Task<(string Run, string Stage)> StatusAsync()
    {
        await using var connection = await _server.OpenAsync();
        return await connection.QuerySingleAsync<(string, string)>(
            $"""
            SELECT r.status, st.status FROM "{_schema}".runs r JOIN "{_schema}".run_stages st ON st.run_id = r.id
            WHERE r.name = @RunName AND st.stage = 'train'
            """,
            new { RunName });
    }

    [Fact]
    public async Task Views_GiveOneJsonRowPerStep_AndTheLatestValueOfEachKey()
    {
        var keys = new StatsKeys("total_energy", "odd");
        await using (var writer = CreatePostgresWriter())
        {
            await writer.OpenAsync(Context(), CancellationToken.None);
            await writer.WriteAsync(
                [
                    new StatsRecord("train", 0, keys, [-1.5, double.NaN]),
                    new StatsRecord("train", 1, keys, [-2.25, double.PositiveInfinity]),
                    new StatsRecord("train", 2, keys, [0.1, double.NegativeInfinity]),
                ],
                CancellationToken.None);
            await writer.CloseAsync(StageOutcome.Completed, CancellationToken.None);
        }

        await using var connection = await _server.OpenAsync();
        var json = (await connection.QueryAsync<string>(
            $"""SELECT stats::text FROM "{_schema}".stats_by_step WHERE run = @RunName AND stage = 'train' ORDER BY step""",
            new { RunName })).ToList();
        Assert.Equal(
            ["""{"odd": "NaN", "total_energy": -1.5}""", """{"odd": "Infinity", "total_energy": -2.25}""", """{"odd": "-Infinity", "total_energy": 0.1}"""],
            json);

        var latest = (await connection.QueryAsync<(string Name, long Step, double Value)>(
            $"""SELECT name, step, value FROM "{_schema}".latest_stats WHERE run = @RunName ORDER BY name""",
            new { RunName })).ToList();
        Assert.Equal([("odd", 2L, double.NegativeInfinity), ("total_energy", 2L, 0.1)], latest);
    }

    [Fact]
    public async Task SchemaVersion_IsRecorded_AndReopeningDoesNotMigrateAgain()
    {
        await WriteStepsAsync("train", 0, 0, 1);
        await WriteStepsAsync("train", 1, 1, 2);

        await using var connection = await _server.OpenAsync();
        var versions = (await connection.QueryAsync<int>($"""SELECT version FROM "{_schema}".schema_version ORDER BY version""")).ToList();
        Assert.Equal(Enumerable.Range(1, PostgresSchema.LatestVersion), versions);
    }

    [Fact]
    public async Task ConnectionsKilledMidRun_RetriedWritesLoseAndDuplicateNothing()
    {
        var application = "jaqmc-kill-" + Guid.NewGuid().ToString("N")[..8];
        var connectionString = _server.ConnectionStringWith(b => b.ApplicationName = application);
        await using var writer = CreatePostgresWriter(connectionString);
        await RetryAsync(() => writer.OpenAsync(Context(), CancellationToken.None).AsTask());

        // A bounded number of kills: a batch transaction slower than the kill interval (the viewing triggers on a
        // machine kept busy by other work) would otherwise never commit, and the test would measure the machine.
        const int MaxKills = 25;
        using var done = new CancellationTokenSource();
        var killer = Task.Run(async () =>
        {
            var killed = 0;
            await using var connection = await _server.OpenAsync();
            while (!done.IsCancellationRequested && killed < MaxKills)
            {
                killed += await connection.ExecuteScalarAsync<int>(
                    "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = @application",
                    new { application });
                await Task.Delay(Random.Shared.Next(5, 40));
            }

            return killed;
        });

        var failures = 0;
        const int batches = 150, perBatch = 40;
        for (var b = 0; b < batches; b++)
        {
            var batch = Batch("train", b * perBatch, perBatch);
            failures += await RetryAsync(() => writer.WriteAsync(batch, CancellationToken.None).AsTask());
        }

        await done.CancelAsync();
        var kills = await killer;
        await RetryAsync(() => writer.CloseAsync(StageOutcome.Completed, CancellationToken.None).AsTask());

        Assert.True(kills > 0, "the test never terminated a writer session");
        Assert.True(failures > 0, $"{kills} sessions were terminated but no write failed");
        Assert.Equal(batches * perBatch * 20L, await CountAsync("r.name = @RunName", new { RunName }));
        AssertRowsEqual(Batch("train", 0, batches * perBatch), await ReadBackAsync("train"));
    }

    [Fact]
    public async Task EightConcurrentWriters_IntoAFreshSchema_StoreEveryRowOnce()
    {
        const int writers = 8, batches = 20, perBatch = 100;
        using var start = new SemaphoreSlim(0, writers);
        var runs = Enumerable.Range(0, writers).Select(async w =>
        {
            await start.WaitAsync();
            await using var writer = CreatePostgresWriter();

            // All open at once on a schema nobody created yet: the migrations must not race.
            await writer.OpenAsync(ContextFor($"run-{w}"), CancellationToken.None);
            for (var b = 0; b < batches; b++)
            {
                await writer.WriteAsync(Batch("train", b * perBatch, perBatch, seed: w), CancellationToken.None);
            }

            await writer.CloseAsync(StageOutcome.Completed, CancellationToken.None);
        }).ToList();
        start.Release(writers);
        await Task.WhenAll(runs).WaitAsync(TimeSpan.FromMinutes(3));

        for (var w = 0; w < writers; w++)
        {
            AssertRowsEqual(Batch("train", 0, batches * perBatch, seed: w), await ReadBackAsync($"run-{w}", "train"));
        }

        Assert.Equal(writers * batches * perBatch * 20L, await CountAsync("true"));
    }

    [Fact]
    public async Task EightConcurrentWriters_AddingTheSameNewKeysInDifferentOrders_NeitherDeadlockNorFail()
    {
        const int writers = 8, batches = 12;
        using var start = new SemaphoreSlim(0, writers);

        // All writers send batch b at the same moment, so their inserts of its new keys overlap.
        var arrived = new int[batches];
        var gates = Enumerable.Range(0, batches).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        var runs = Enumerable.Range(0, writers).Select(async w =>
        {
            await start.WaitAsync();
            await using var writer = CreatePostgresWriter();
            await writer.OpenAsync(ContextFor($"keys-{w}"), CancellationToken.None);
            var written = new List<StatsRecord>();
            for (var b = 0; b < batches; b++)
            {
                if (Interlocked.Increment(ref arrived[b]) == writers)
                {
                    gates[b].TrySetResult();
                }

                await gates[b].Task;

                // Every batch brings keys nobody has seen, the same for all writers but listed in an order of each
                // writer's own: inserted unsorted, two writers would lock the same names in opposite orders.
                var names = Enumerable.Range(0, 40).Select(i => $"k{b:D2}_{i:D2}").ToArray();
                new Random((w * 100) + b).Shuffle(names);
                var keys = new StatsKeys(names);
                var batch = Enumerable.Range(0, 5)
                    .Select(i => new StatsRecord("train", (b * 5) + i, keys, names.Select((_, k) => (double)((w * 1000) + (b * 5) + i + k)).ToArray()))
                    .ToList();
                try
                {
                    await writer.WriteAsync(batch, CancellationToken.None);
                }
                catch
                {
                    // Report the failure now rather than leave the other writers waiting at the next gate.
                    Array.ForEach(gates, g => g.TrySetResult());
                    throw;
                }

                written.AddRange(batch);
            }

            await writer.CloseAsync(StageOutcome.Completed, CancellationToken.None);
            return written;
        }).ToList();
        start.Release(writers);
        var results = await Task.WhenAll(runs).WaitAsync(TimeSpan.FromMinutes(3));

        for (var w = 0; w < writers; w++)
        {
            AssertRowsEqual(results[w], await ReadBackAsync($"keys-{w}", "train"));
        }

        // Each name is stored once; a writer draws an id for a name at most once (racing writers may each draw one).
        await using var connection = await _server.OpenAsync();
        var (count, distinct, maxId) = await connection.QuerySingleAsync<(long, long, long)>(
            $"""SELECT count(*), count(DISTINCT name), max(id) FROM "{_schema}".stat_keys""");
        Assert.Equal(batches * 40L, distinct);
        Assert.Equal(distinct, count);
        Assert.True(maxId <= writers * count, $"{maxId} ids drawn for {count} keys");
    }

    [Fact]
    public async Task SchemaVersion1Database_IsMigrated_AndItsRowsStayReadableThroughTheStatsView()
    {
        // A database as version 1 left it: two runs, one with two stages, awkward keys and non-finite values.
        await using (var connection = await _server.OpenAsync())
        {
            await PostgresSchema.EnsureAsync(connection, _schema, CancellationToken.None, upToVersion: 1);
            await connection.ExecuteAsync(
                $"""
                INSERT INTO "{_schema}".runs (name, host, status) VALUES ('old-a', 'h', 'completed'), ('old-b', 'h', 'failed');
                INSERT INTO "{_schema}".run_stages (run_id, stage, status, initial_step)
                SELECT id, stage, 'completed', 0 FROM "{_schema}".runs, unnest(ARRAY['train', 'evaluation']) stage;
                INSERT INTO "{_schema}".stats (run_id, stage, step, name, value)
                SELECT r.id, st.stage, step, k.name, CASE k.name WHEN 'odd "key", ü' THEN 'NaN'::float8 ELSE step * 0.5 + r.id END
                FROM "{_schema}".runs r
                JOIN "{_schema}".run_stages st ON st.run_id = r.id
                CROSS JOIN generate_series(0, 29) step
                CROSS JOIN unnest(ARRAY['total_energy', 'energy:kinetic', 'odd "key", ü']) k(name);
                INSERT INTO "{_schema}".stats (run_id, stage, step, name, value) VALUES (1, 'train', 30, 'total_energy', '-Infinity');
                """);
        }

        // Opening a writer migrates; it then resumes old-a's training at step 20 with keys partly known already.
        var keys = new StatsKeys("total_energy", "new key");
        await using (var writer = CreatePostgresWriter())
        {
            await writer.OpenAsync(ContextFor("old-a", "train", 20), CancellationToken.None);
            await writer.WriteAsync([new StatsRecord("train", 20, keys, [-1, 2])], CancellationToken.None);
            await writer.CloseAsync(StageOutcome.Completed, CancellationToken.None);
        }

        await using var db = await _server.OpenAsync();
        Assert.Equal(Enumerable.Range(1, PostgresSchema.LatestVersion), (await db.QueryAsync<int>($"""SELECT version FROM "{_schema}".schema_version ORDER BY version""")).ToList());
        Assert.Equal("v", await db.ExecuteScalarAsync<string>($"""SELECT relkind::text FROM pg_class WHERE oid = '"{_schema}".stats'::regclass"""));

        var oldKeys = new StatsKeys("total_energy", "energy:kinetic", "odd \"key\", ü");
        StatsRecord Old(string stage, long step, int runId) =>
            new(stage, step, oldKeys, [(step * 0.5) + runId, (step * 0.5) + runId, double.NaN]);
        AssertRowsEqual(
            Enumerable.Range(0, 20).Select(s => Old("train", s, 1)).Append(new StatsRecord("train", 20, keys, [-1, 2])),
            await ReadBackAsync("old-a", "train"));
        AssertRowsEqual(Enumerable.Range(0, 30).Select(s => Old("evaluation", s, 1)), await ReadBackAsync("old-a", "evaluation"));
        AssertRowsEqual(Enumerable.Range(0, 30).Select(s => Old("train", s, 2)), await ReadBackAsync("old-b", "train"));
        // Known keys reuse their ids: only "new key" drew one.
        Assert.Equal((4L, 4L), await db.QuerySingleAsync<(long, long)>($"""SELECT count(*), max(id) FROM "{_schema}".stat_keys"""));

        var latest = await db.QuerySingleAsync<(long Step, double Value)>(
            $"""SELECT step, value FROM "{_schema}".latest_stats WHERE run = 'old-b' AND stage = 'evaluation' AND name = 'total_energy'""");
        Assert.Equal((29L, 16.5), latest);
        var json = await db.ExecuteScalarAsync<string>(
            $"""SELECT stats::text FROM "{_schema}".stats_by_step WHERE run = 'old-b' AND stage = 'train' AND step = 1""");
        Assert.Equal("""{"total_energy": 2.5, "odd \"key\", ü": "NaN", "energy:kinetic": 2.5}""", json);
    }

    [Fact]
    public async Task WrongPassword_IsPermanent_AndTheMessageLacksThePassword()
    {
        var password = "Wrong-" + Guid.NewGuid().ToString("N");
        await using var writer = CreatePostgresWriter(_server.ConnectionStringWith(b => b.Password = password));

        var error = await Assert.ThrowsAsync<PermanentWriterException>(async () => await writer.OpenAsync(Context(), CancellationToken.None));

        Assert.Contains("28P01", error.Message, StringComparison.Ordinal);
        Assert.Contains("credentials", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(password, error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(new NpgsqlConnectionStringBuilder(_server.ConnectionString).Password!, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoPasswordWhereTheServerAsksForOne_IsPermanent()
    {
        // A role whose password nobody knows, and a password file of the test's own (empty), so that neither
        // PGPASSFILE nor ~/.pgpass supplies one. Npgsql would still send PGPASSWORD if it is set: a wrong password
        // for this role, which must be permanent as well.
        var role = "r_" + Guid.NewGuid().ToString("N")[..12];
        var passfile = Path.Combine(WorkingDirectory, "empty.pgpass");
        await File.WriteAllTextAsync(passfile, string.Empty);
        await using (var admin = await _server.OpenAsync())
        {
            await admin.ExecuteAsync($"CREATE ROLE {role} LOGIN PASSWORD '{Guid.NewGuid():N}'");
        }

        try
        {
            await using var writer = CreatePostgresWriter(_server.ConnectionStringWith(b => { b.Username = role; b.Password = null; b.Passfile = passfile; }));

            var error = await Assert.ThrowsAsync<PermanentWriterException>(async () => await writer.OpenAsync(Context(), CancellationToken.None));

            Assert.Contains("password", error.Message, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            await using var admin = await _server.OpenAsync();
            await admin.ExecuteAsync($"DROP ROLE IF EXISTS {role}");
        }
    }

    [Fact]
    public async Task MissingDatabase_IsPermanent()
    {
        await using var writer = CreatePostgresWriter(_server.ConnectionStringWith(b => b.Database = "no_such_db_" + Guid.NewGuid().ToString("N")[..8]));

        var error = await Assert.ThrowsAsync<PermanentWriterException>(async () => await writer.OpenAsync(Context(), CancellationToken.None));

        Assert.Contains("3D000", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RoleWithoutPrivileges_IsPermanent()
    {
        var role = "r_" + Guid.NewGuid().ToString("N")[..12];
        var password = "P-" + Guid.NewGuid().ToString("N");
        await using (var admin = await _server.OpenAsync())
        {
            await admin.ExecuteAsync($"CREATE ROLE {role} LOGIN PASSWORD '{password}'");
        }

        try
        {
            await using var writer = CreatePostgresWriter(_server.ConnectionStringWith(b => { b.Username = role; b.Password = password; }));

            var error = await Assert.ThrowsAsync<PermanentWriterException>(async () => await writer.OpenAsync(Context(), CancellationToken.None));

            Assert.Contains("42501", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(password, error.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            await using var admin = await _server.OpenAsync();
            await admin.ExecuteAsync($"DROP ROLE IF EXISTS {role}");
        }
    }

    [Fact]
    public async Task UnparsableConnectionString_IsPermanent_AndTheMessageLacksThePassword()
    {
        await using var writer = CreatePostgresWriter("Host=localhost;Password=s3cr;et-part;Nonsense Keyword=1");

        var error = await Assert.ThrowsAsync<PermanentWriterException>(async () => await writer.OpenAsync(Context(), CancellationToken.None));

        Assert.Contains("ConnectionStrings:Stats", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("et-part", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logs_NeverContainThePassword()
    {
        // Captures every level, Debug included.
        var logger = new FakeLogger<PostgresStatsWriter>();
        var serverPassword = new NpgsqlConnectionStringBuilder(_server.ConnectionString).Password!;

        // A successful stage, then an outage-like failure with another password.
        await using (var writer = new PostgresStatsWriter(Options(), logger))
        {
            await writer.OpenAsync(Context(), CancellationToken.None);
            await writer.WriteAsync([Record(0)], CancellationToken.None);
            await writer.CloseAsync(StageOutcome.Completed, CancellationToken.None);
        }

        const string otherPassword = "Other-Secret-4711";
        await using (var writer = new PostgresStatsWriter(Options(_server.ConnectionStringWith(b => { b.Host = "127.0.0.1"; b.Port = 1; b.Password = otherPassword; })), logger))
        {
            await Assert.ThrowsAnyAsync<Exception>(async () => await writer.OpenAsync(Context(), CancellationToken.None));
        }

        var messages = logger.Collector.GetSnapshot().Select(r => r.Message + " " + r.Exception).ToList();
        Assert.NotEmpty(messages);
        Assert.All(messages, m =>
        {
            Assert.DoesNotContain(serverPassword, m, StringComparison.Ordinal);
            Assert.DoesNotContain(otherPassword, m, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task ServerNotListening_IsTransient()
    {
        // Port 1 on loopback refuses at once: this is what an outage looks like, and the pipeline retries it.
        await using var writer = CreatePostgresWriter(_server.ConnectionStringWith(b => { b.Host = "127.0.0.1"; b.Port = 1; b.Timeout = 2; }));

        var error = await Assert.ThrowsAnyAsync<Exception>(async () => await writer.OpenAsync(Context(), CancellationToken.None));

        Assert.IsNotType<PermanentWriterException>(error);
        Assert.False(writer.IsOpen);
    }
}
