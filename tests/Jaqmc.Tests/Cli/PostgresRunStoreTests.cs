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
        await using var store = PostgresRunStore.TryCreate(server.ConnectionString, new ConfigurationBuilder().Build())!;

        var first = await ScalarAsync(store, "SHOW jit");
        var pooled = await ScalarAsync(store, "SHOW jit");
        string inSnapshot;
        await using (var snapshot = await store.OpenSnapshotAsync(CancellationToken.None))
        {
            inSnapshot = await ScalarAsync(store, "SHOW jit", snapshot);
        }

        var afterSnapshot = await ScalarAsync(store, "SHOW jit");

        Assert.Equal(["off", "off", "off", "off"], [first, pooled, inSnapshot, afterSnapshot]);
    }

    [Fact]
    public async Task AReadAfterASnapshot_SeesWhatWasCommittedSince()
    {
        // A pooled connection is not reset when returned: the snapshot's transaction must still end with it, or the
        // next read on that connection would see the database as it was when the snapshot began.
        await using var store = PostgresRunStore.TryCreate(server.ConnectionString, new ConfigurationBuilder().Build())!;
        await using (var snapshot = await store.OpenSnapshotAsync(CancellationToken.None))
        {
            Assert.Equal("0", await ScalarAsync(store, $"SELECT count(*) FROM {_schema}.seen", snapshot));
        }

        await using (var writer = await server.OpenAsync())
        {
            await using var insert = new NpgsqlCommand($"INSERT INTO {_schema}.seen VALUES (1)", writer);
            await insert.ExecuteNonQueryAsync();
        }

        Assert.Equal("1", await ScalarAsync(store, $"SELECT count(*) FROM {_schema}.seen"));
    }

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
