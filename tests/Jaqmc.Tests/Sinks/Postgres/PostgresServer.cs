using Dapper;
using Jaqmc.Sinks.Postgres;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Jaqmc.Tests.Sinks.Postgres;

/// <summary>
/// A PostgreSQL server the tests use, however it was provided (<see cref="PostgresFixture"/>: the given one or a
/// container; <see cref="PostgresContainerFixture"/>: always a container). Each test works in a schema of its own.
/// </summary>
public abstract class PostgresServer : IAsyncLifetime
{
    public string ConnectionString { get; protected set; } = string.Empty;

    /// <summary>A schema name no other test uses.</summary>
    public static string NewSchema() => "t_" + Guid.NewGuid().ToString("N");

    public abstract Task InitializeAsync();

    public virtual Task DisposeAsync() => Task.CompletedTask;

    /// <summary>The server's connection string with changes (another application name, password, database...).</summary>
    public string ConnectionStringWith(Action<NpgsqlConnectionStringBuilder> change)
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString);
        change(builder);
        return builder.ConnectionString;
    }

    /// <summary>
    /// A writer of <paramref name="schema"/> whose commands wait as long as a starved CI server needs
    /// (<see cref="PostgresViewingTests.BusyServerTimeoutSeconds"/>): a timeout is not what the schema tests check.
    /// </summary>
    public PostgresStatsWriter CreatePatientWriter(string schema) => new(
        new PostgresWriterOptions { Enabled = true, ConnectionString = ConnectionStringWith(b => b.CommandTimeout = PostgresViewingTests.BusyServerTimeoutSeconds), Schema = schema },
        NullLogger<PostgresStatsWriter>.Instance);

    /// <summary>A new unpooled connection; <paramref name="commandTimeoutSeconds"/> replaces Npgsql's 30 s default.</summary>
    public async Task<NpgsqlConnection> OpenAsync(int? commandTimeoutSeconds = null)
    {
        // No pooling: a test that terminates sessions must not break the fixture's own connections.
        var connection = new NpgsqlConnection(ConnectionStringWith(b =>
        {
            b.Pooling = false;
            b.ApplicationName = "jaqmc-tests";
            b.CommandTimeout = commandTimeoutSeconds ?? b.CommandTimeout;
        }));
        await connection.OpenAsync();
        return connection;
    }

    public async Task DropSchemaAsync(string schema)
    {
        try
        {
            await using var connection = await OpenAsync();
            await connection.ExecuteAsync($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE");
        }
        catch (NpgsqlException)
        {
            // Best effort: a leftover schema with a random name affects no other test.
        }
    }
}
