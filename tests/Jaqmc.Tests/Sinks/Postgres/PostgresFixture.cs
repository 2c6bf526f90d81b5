namespace Jaqmc.Tests.Sinks.Postgres;

/// <summary>
/// The server most PostgreSQL tests share: <c>TEST_POSTGRES_CONNECTION</c> when set (scripts/test.sh starts one with
/// <c>scripts/test-postgres.sh start</c>), otherwise a container started with Testcontainers
/// (<see cref="PostgresContainer"/>), otherwise a failure that says how to provide one.
/// </summary>
public sealed class PostgresFixture : PostgresServer
{
    public const string ConnectionVariable = "TEST_POSTGRES_CONNECTION";

    // One server for the whole test run, however many classes use the fixture.
    private static readonly Lazy<Task<string>> Server = new(StartServerAsync);

    public override async Task InitializeAsync() => ConnectionString = await Server.Value;

    private static async Task<string> StartServerAsync()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(ConnectionVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return fromEnvironment;
        }

        try
        {
            var container = await PostgresContainer.StartAsync();
            AppDomain.CurrentDomain.ProcessExit += (_, _) => container.DisposeAsync().AsTask().GetAwaiter().GetResult();
            return container.ConnectionString;
        }
        catch (InvalidOperationException ex)
        {
            throw new InvalidOperationException(
                $"The PostgreSQL tests need a server: set {ConnectionVariable} to an Npgsql connection string " +
                "(eval \"$(scripts/test-postgres.sh start)\" starts one and sets it), or let Testcontainers start one, " +
                "which failed: " + ex.Message,
                ex);
        }
    }
}
