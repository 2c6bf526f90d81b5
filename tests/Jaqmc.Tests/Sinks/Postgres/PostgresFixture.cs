using Dapper;
using Npgsql;
using Testcontainers.PostgreSql;

namespace Jaqmc.Tests.Sinks.Postgres;

/// <summary>
/// A PostgreSQL server for the tests: <c>TEST_POSTGRES_CONNECTION</c> when set (CI starts one with
/// <c>scripts/test-postgres.sh start</c>), otherwise a <c>postgres:16-alpine</c> container started with
/// Testcontainers, otherwise a failure that says how to provide one. Each test works in a schema of its own.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    public const string ConnectionVariable = "TEST_POSTGRES_CONNECTION";

    // One server for the whole test run, however many classes use the fixture.
    private static readonly Lazy<Task<string>> Server = new(StartServerAsync);

    public string ConnectionString { get; private set; } = string.Empty;

    /// <summary>The server's data directory and a pg_ctl that can stop/start it (set by scripts/test-postgres.sh).</summary>
    public static string? DataDirectory => Environment.GetEnvironmentVariable("TEST_POSTGRES_DATADIR");

    public static string? PgCtl => Environment.GetEnvironmentVariable("TEST_POSTGRES_PGCTL");

    public async Task InitializeAsync() => ConnectionString = await Server.Value;

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>A schema name no other test uses.</summary>
    public static string NewSchema() => "t_" + Guid.NewGuid().ToString("N");

    /// <summary>The server's connection string with changes (another application name, password, database...).</summary>
    public string ConnectionStringWith(Action<NpgsqlConnectionStringBuilder> change)
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString);
        change(builder);
        return builder.ConnectionString;
    }

    public async Task<NpgsqlConnection> OpenAsync()
    {
        // No pooling: a test that terminates sessions must not break the fixture's own connections.
        var connection = new NpgsqlConnection(ConnectionStringWith(b => { b.Pooling = false; b.ApplicationName = "jaqmc-tests"; }));
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

    private static async Task<string> StartServerAsync()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(ConnectionVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return fromEnvironment;
        }

        try
        {
            var container = new PostgreSqlBuilder("postgres:16-alpine").Build();
            await container.StartAsync();
            AppDomain.CurrentDomain.ProcessExit += (_, _) => container.DisposeAsync().AsTask().GetAwaiter().GetResult();
            return container.GetConnectionString();
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException(
                $"The PostgreSQL tests need a server. Either set {ConnectionVariable} to an Npgsql connection string " +
                "(for example: eval \"$(scripts/test-postgres.sh start)\", which also sets TEST_POSTGRES_DATADIR and " +
                "TEST_POSTGRES_PGCTL), or make a Docker engine reachable so Testcontainers can start postgres:16-alpine. " +
                $"Testcontainers said: {ex.GetType().Name}: {ex.Message}",
                ex);
        }
    }
}
