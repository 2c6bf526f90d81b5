using Dapper;
using Jaqmc.Sinks.Postgres;
using Npgsql;

namespace Jaqmc.Tests.Sinks.Postgres;

/// <summary>
/// One stage of 45,000 steps (3 to 45,002, so blocks are cut at both ends) with spikes, a NaN and infinities,
/// written once and shared by every case of the <c>curve()</c> theory, which only reads it; plus the values of its
/// key <c>energy: "total"</c> in step order, for the direct computation.
/// </summary>
/// <remarks>
/// Filling it (90,000 rows through the summary triggers) is the slow part of those tests. On a starved CI server it
/// outlasted Npgsql's 30 s default command timeout when every case filled its own schema; here it runs once, on the
/// first case that asks, with a timeout made for a busy machine (a timeout is not what these tests check).
/// </remarks>
public sealed class CurveStageFixture : IAsyncLifetime
{
    private readonly PostgresFixture _server = new();
    private readonly Lazy<Task<IReadOnlyList<(long Step, double Value)>>> _filled;

    public CurveStageFixture() => _filled = new(FillAsync);

    /// <summary>The schema holding the stage, as run <c>curve run</c>, stage <c>train</c>.</summary>
    public string Schema { get; } = PostgresServer.NewSchema();

    public Task InitializeAsync() => _server.InitializeAsync();

    public Task DisposeAsync() => _filled.IsValueCreated ? _server.DropSchemaAsync(Schema) : Task.CompletedTask;

    /// <summary>Fills the stage on first use; returns the key <c>energy: "total"</c>'s (step, value) in step order.</summary>
    public Task<IReadOnlyList<(long Step, double Value)>> ValuesAsync() => _filled.Value;

    /// <summary>A connection whose commands may take as long as a starved server needs.</summary>
    public Task<NpgsqlConnection> OpenAsync() => _server.OpenAsync(PostgresViewingTests.BusyServerTimeoutSeconds);

    private async Task<IReadOnlyList<(long Step, double Value)>> FillAsync()
    {
        await using var db = await OpenAsync();
        await PostgresSchema.EnsureAsync(db, Schema, CancellationToken.None);
        await db.ExecuteAsync(
            $"""
            INSERT INTO "{Schema}".runs (name, host) VALUES ('curve run', 'h');
            INSERT INTO "{Schema}".run_stages (run_id, stage, status, initial_step) SELECT id, 'train', 'running', 0 FROM "{Schema}".runs;
            INSERT INTO "{Schema}".stat_keys (name) VALUES ('other'), ('energy: "total"');
            INSERT INTO "{Schema}".stat_values (stage_id, key_id, step, value)
            SELECT 1, k, step,
                   CASE WHEN k = 2 AND step = 9999 THEN 'NaN'::float8
                        WHEN k = 2 AND step = 20000 THEN 'Infinity'::float8
                        WHEN k = 2 AND step = 20001 THEN '-Infinity'::float8
                        WHEN k = 2 AND step % 1009 = 0 THEN 1e6 * k
                        ELSE -1 / (1 + step * 1e-3) + sin(step * k * 0.37) * 1e-2 END
            FROM generate_series(3, 45002) step CROSS JOIN generate_series(1, 2) k
            ORDER BY step, k;
            """);
        return [.. await db.QueryAsync<(long Step, double Value)>(
            $"""SELECT step, value FROM "{Schema}".stats WHERE name = 'energy: "total"' ORDER BY step""")];
    }
}
