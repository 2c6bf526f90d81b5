using Jaqmc.Cli;
using Jaqmc.Tests.Sinks.Postgres;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace Jaqmc.Tests.Cli;

/// <summary>The sessions the reading verbs and the dashboard read PostgreSQL in (<see cref="PostgresRunStore"/>).</summary>
public sealed class PostgresRunStoreTests(PostgresFixture server) : IClassFixture<PostgresFixture>, IAsyncLifetime
{
    private readonly string _schema = PostgresFixture.NewSchema();

    public async Task InitializeAsync()
    {
        await using var connection = await server.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE SCHEMA {_schema}; CREATE TABLE {_schema}.seen (n integer)", connection);
        await command.ExecuteNonQueryAsync();
    }

    public Task DisposeAsync() => server.DropSchemaAsync(_schema);

    [Fact]
    public async Task EveryRead_RunsWithoutTheServersJit_OnANewConnection_APooledOne_AndInASnapshot()
    {
        // The sessions start with JIT on, whatever the test server's own default.
        await using var store = Store(jitAtStart: true);

        var first = await ScalarAsync(store, "SELECT current_setting('jit') || ' ' || pg_backend_pid()");
        var pooled = await ScalarAsync(store, "SELECT current_setting('jit') || ' ' || pg_backend_pid()");
        string inSnapshot;
        await using (var snapshot = await store.OpenSnapshotAsync(CancellationToken.None))
        {
            inSnapshot = await ScalarAsync(store, "SELECT current_setting('jit') || ' ' || pg_backend_pid()", snapshot);
        }

        var afterSnapshot = await ScalarAsync(store, "SELECT current_setting('jit') || ' ' || pg_backend_pid()");

        var backend = first.Split(' ')[1];
        Assert.Equal(["off", "off", "off", "off"], new[] { first, pooled, inSnapshot, afterSnapshot }.Select(r => r.Split(' ')[0]));

        // One physical connection throughout: the pooled reads are the ones a reset would have turned JIT back on in.
        Assert.All(new[] { pooled, inSnapshot, afterSnapshot }, r => Assert.Equal(backend, r.Split(' ')[1]));
    }

    [Fact]
    public async Task AReadAfterASnapshot_SeesWhatWasCommittedSince()
    {
        // A pooled connection is not reset when returned: the snapshot's transaction must still end with it, or the
        // next read on that connection would see the database as it was when the snapshot began.
        await using var store = Store(jitAtStart: false);
        string backend;
        await using (var snapshot = await store.OpenSnapshotAsync(CancellationToken.None))
        {
            Assert.Equal("0", await ScalarAsync(store, $"SELECT count(*) FROM {_schema}.seen", snapshot));
            backend = await ScalarAsync(store, "SELECT pg_backend_pid()", snapshot);
        }

        await using (var writer = await server.OpenAsync())
        {
            await using var insert = new NpgsqlCommand($"INSERT INTO {_schema}.seen VALUES (1)", writer);
            await insert.ExecuteNonQueryAsync();
        }

        Assert.Equal("1 " + backend, await ScalarAsync(store, $"SELECT count(*) || ' ' || pg_backend_pid() FROM {_schema}.seen"));
    }

    // jitAtStart: the server's JIT is on when a session starts (a startup option), so only the store can turn it off.
    private PostgresRunStore Store(bool jitAtStart) => PostgresRunStore.TryCreate(
        jitAtStart ? server.ConnectionStringWith(b => b.Options = "-c jit=on") : server.ConnectionString,
        new ConfigurationBuilder().Build())!;

    private static async Task<string> ScalarAsync(PostgresRunStore store, string sql, NpgsqlConnection? connection = null)
    {
        string? value = null;
        await store.ExecuteAsync(sql, null, reader =>
        {
            value = Convert.ToString(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture);
            return Task.CompletedTask;
        }, CancellationToken.None, connection);
        return value ?? throw new InvalidOperationException($"no row from {sql}");
    }
}
