using Jaqmc.Tests.EndToEnd;
using Jaqmc.Tests.Sinks.Postgres;

namespace Jaqmc.Tests.Cli;

/// <summary>
/// A short He run trained once per test class by the real program (the managed or the native build) into a schema of
/// its own and a temporary directory, for the tests that read it back; disposing it drops the schema and deletes the
/// directories. Training once, not once per test, keeps these classes from loading a busy CI machine with a dozen
/// trainings that the tests only read.
/// </summary>
public abstract class PostgresTrainedRun(string prefix, bool native, params string[] settings) : IAsyncLifetime
{
    /// <summary>The shared test server.</summary>
    public PostgresFixture Server { get; } = new();

    /// <summary>The schema the run is recorded in.</summary>
    public string Schema { get; } = PostgresServer.NewSchema();

    /// <summary>The run's name.</summary>
    public string Name { get; } = prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>The temporary directory holding the run directory and nothing else.</summary>
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "jaqmc-tests", prefix, Guid.NewGuid().ToString("N"));

    /// <summary>Where tests write their exports and plots, so that <see cref="Root"/> holds only the run.</summary>
    public string Scratch => Root + "-scratch";

    /// <summary>The run directory (CSV, HDF5, checkpoints).</summary>
    public string RunDirectory => Path.Combine(Root, "he");

    /// <summary>
    /// The server's connection string with a command timeout a starved CI server needs
    /// (<see cref="PostgresViewingTests.BusyServerTimeoutSeconds"/>): a slow answer is not what these tests check.
    /// </summary>
    public string ConnectionString => Server.ConnectionStringWith(b => b.CommandTimeout = PostgresViewingTests.BusyServerTimeoutSeconds);

    /// <summary>The variables that point the program at the run's database and schema.</summary>
    public Dictionary<string, string?> Environment => new()
    {
        ["JAQMC_ConnectionStrings__Stats"] = ConnectionString,
        ["JAQMC_Writers__Postgres__Schema"] = Schema,
    };

    public async Task InitializeAsync()
    {
        await Server.InitializeAsync();
        Directory.CreateDirectory(Root);
        Directory.CreateDirectory(Scratch);
        using var p = await JaqmcProcess.RunAsync(["train", "-w", RunDirectory, "--name", Name, .. settings], Environment, native: native);
        Assert.True(p.ExitCode == 0, $"training failed ({p.ExitCode}):\n{p.Stdout}\n{p.Stderr}");
    }

    public async Task DisposeAsync()
    {
        await Server.DropSchemaAsync(Schema);
        foreach (var directory in new[] { Root, Scratch })
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a leftover temporary directory harms no other test.
            }
        }
    }
}
