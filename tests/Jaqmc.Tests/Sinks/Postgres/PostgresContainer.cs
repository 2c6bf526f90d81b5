using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Containers;

using Jaqmc.Tests.EndToEnd;

namespace Jaqmc.Tests.Sinks.Postgres;

/// <summary>
/// A throwaway PostgreSQL server in a Docker container, started with Testcontainers on the host's network: it
/// listens on 127.0.0.1 at a free port the test picks (no bridge, no mapped port), with a random password.
/// </summary>
/// <remarks>
/// The image is <c>TEST_POSTGRES_IMAGE</c>, by default <c>jaqmc/postgres-test:15</c>, which
/// <c>scripts/test-docker.sh start</c> builds on the machine (it is never pulled). Any image that takes the official
/// image's settings works too, for example <c>postgres:16-alpine</c> where a registry is reachable (pulled when
/// missing): both get POSTGRES_PASSWORD and PGPORT and run <c>postgres -p PORT -c listen_addresses=127.0.0.1</c>.
/// Containers carry the label <c>jaqmc.test-run=$JAQMC_TEST_RUN</c>, so <c>scripts/test-docker.sh stop</c> can
/// remove what a crashed test run left (Ryuk, Testcontainers' own reaper, comes from a registry and is disabled).
/// </remarks>
public sealed class PostgresContainer : IAsyncDisposable
{
    public const string ImageVariable = "TEST_POSTGRES_IMAGE";

    /// <summary>The image scripts/test-docker.sh builds from docker/postgres-test.</summary>
    public const string LocalImage = "jaqmc/postgres-test:15";

    public const string RunLabel = "jaqmc.test-run";

    private readonly IContainer _container;
    private readonly string _id;

    private PostgresContainer(IContainer container, string image, int port, string connectionString, TimeSpan startup)
    {
        _container = container;
        _id = container.Id[..12];
        ConnectionString = connectionString;
        Description = string.Create(
            CultureInfo.InvariantCulture,
            $"Testcontainers: image {image}, container {_id} ({container.Name.TrimStart('/')}), host network, 127.0.0.1:{port}, ready after {startup.TotalSeconds:F1} s");
    }

    /// <summary>The image to run: <c>TEST_POSTGRES_IMAGE</c>, else <see cref="LocalImage"/>.</summary>
    public static string Image =>
        Environment.GetEnvironmentVariable(ImageVariable) is { Length: > 0 } image ? image : LocalImage;

    public string ConnectionString { get; }

    /// <summary>Image, container id and name, address and start-up time, for the test output.</summary>
    public string Description { get; }

    /// <summary>
    /// Starts a container and waits until <c>pg_isready</c> inside it succeeds; throws
    /// <see cref="InvalidOperationException"/> saying what is missing when Docker or the image is not there.
    /// </summary>
    public static async Task<PostgresContainer> StartAsync()
    {
        var image = Image;
        var port = LoopbackPorts.Next().ToString(CultureInfo.InvariantCulture);
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        var builder = new ContainerBuilder(image)
            .WithEnvironment("POSTGRES_PASSWORD", password)
            .WithEnvironment("PGPORT", port)
            .WithCommand("postgres", "-p", port, "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200")

            // Host networking through the create parameters: WithNetwork("host") only attaches an endpoint.
            .WithCreateParameterModifier(parameters => (parameters.HostConfig ??= new()).NetworkMode = "host")
            .WithLabel(RunLabel, Environment.GetEnvironmentVariable("JAQMC_TEST_RUN") is { Length: > 0 } run ? run : "unlabelled")
            .WithWaitStrategy(Wait.ForUnixContainer().UntilCommandIsCompleted(
                ["pg_isready", "-h", "127.0.0.1", "-p", port],
                wait => wait.WithInterval(TimeSpan.FromMilliseconds(250)).WithTimeout(TimeSpan.FromMinutes(3))));
        if (image == LocalImage)
        {
            // Built on this machine: there is nothing to pull, and no registry to pull from.
            builder = builder.WithImagePullPolicy(_ => false);
        }

        IContainer? container = null;
        var watch = Stopwatch.StartNew();
        try
        {
            // Build() already asks Docker whether it answers.
            container = builder.Build();
            await container.StartAsync();
        }
        catch (Exception ex)
        {
            var logs = string.Empty;
            if (container is not null)
            {
                logs = await LogsAsync(container);
                await container.DisposeAsync();
            }

            throw new InvalidOperationException(
                $"Testcontainers could not start PostgreSQL from the image '{image}' ({ImageVariable}) on 127.0.0.1:{port}. " +
                "The tests need a Docker engine and that image: 'eval \"$(scripts/test-docker.sh start)\"' starts a daemon " +
                $"if none answers and builds {LocalImage} (bash scripts/test.sh does this); against Debian's dockerd set " +
                "DOCKER_API_VERSION=1.41 and TESTCONTAINERS_RYUK_DISABLED=true (the script prints both). " +
                $"Testcontainers said: {string.Join(" <- ", Causes(ex))}{logs}",
                ex);
        }

        var connectionString = $"Host=127.0.0.1;Port={port};Username=postgres;Password={password};Database=postgres";
        var started = new PostgresContainer(container, image, int.Parse(port, CultureInfo.InvariantCulture), connectionString, watch.Elapsed);

        // On the test run's console (as Testcontainers' own lines), so a CI log shows which image the tests used.
        System.Console.WriteLine($"[jaqmc-tests] PostgreSQL started by {started.Description}");
        return started;
    }

    public async ValueTask DisposeAsync()
    {
        await _container.DisposeAsync();
        System.Console.WriteLine($"[jaqmc-tests] PostgreSQL container {_id} stopped and removed");
    }

    /// <summary>A port nobody listens on at the moment (the kernel's pick for an ephemeral bind).</summary>

    /// <summary>The messages of an exception and of everything that caused it (Docker's own answer is deep inside).</summary>
    private static IEnumerable<string> Causes(Exception ex)
    {
        IEnumerable<Exception> causes = ex switch
        {
            AggregateException aggregate => aggregate.InnerExceptions,
            { InnerException: { } inner } => [inner],
            _ => [],
        };
        return causes.SelectMany(Causes).Prepend($"{ex.GetType().Name}: {ex.Message.Trim()}").Distinct();
    }

    private static async Task<string> LogsAsync(IContainer container)
    {
        try
        {
            var (stdout, stderr) = await container.GetLogsAsync(timestampsEnabled: false);
            return $"\nContainer output:\n{stdout}{stderr}";
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // No container was created (Docker unreachable, image missing): there is no output to show.
            return string.Empty;
        }
    }
}
