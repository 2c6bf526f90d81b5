namespace Jaqmc.Tests.Sinks.Postgres;

/// <summary>
/// A server that is always a Testcontainers container (<see cref="PostgresContainer"/>), even where
/// <c>TEST_POSTGRES_CONNECTION</c> gives the other tests a server: so CI runs the Testcontainers path for real.
/// Without Docker or the image every test using it fails, saying what is missing; none is skipped.
/// </summary>
public sealed class PostgresContainerFixture : PostgresServer
{
    private PostgresContainer? _container;

    /// <summary>Image, container id, address and start-up time (tests write it to their output).</summary>
    public string Description => _container?.Description ?? "no container";

    public override async Task InitializeAsync()
    {
        _container = await PostgresContainer.StartAsync();
        ConnectionString = _container.ConnectionString;
    }

    public override async Task DisposeAsync()
    {
        if (_container is not null)
        {
            await _container.DisposeAsync();
        }
    }
}

/// <summary>
/// The test classes that run against <see cref="PostgresContainerFixture"/> share one container, stopped and removed
/// when they are done. Filter them with <c>--filter Category=Testcontainers</c> (or out with <c>Category!=Testcontainers</c>).
/// </summary>
[CollectionDefinition(Name)]
public sealed class PostgresContainerCollection : ICollectionFixture<PostgresContainerFixture>
{
    public const string Name = "PostgreSQL in a Testcontainers container";

    public const string Category = "Testcontainers";
}
