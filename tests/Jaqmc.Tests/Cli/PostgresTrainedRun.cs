using Jaqmc.Tests.EndToEnd;
using Jaqmc.Tests.Sinks.Postgres;

namespace Jaqmc.Tests.Cli;

/// <summary>
/// A short He run trained by the real program into a schema of its own and a temporary directory, for the tests
/// that read it back; disposing it drops the schema and deletes the directory.
/// </summary>
internal sealed class PostgresTrainedRun(PostgresServer server, string prefix) : IAsyncDisposable
{
    /// <summary>The schema the run is recorded in.</summary>
    public string Schema { get; } = PostgresServer.NewSchema();

    /// <summary>The run's name.</summary>
    public string Name { get; } = prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>The temporary directory holding the run directory and whatever a test writes.</summary>
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "jaqmc-tests", prefix, Guid.NewGuid().ToString("N"));

    /// <summary>The run directory (CSV, HDF5, checkpoints).</summary>
    public string RunDirectory => Path.Combine(Root, "he");

    /// <summary>The variables that point the program at the run's database and schema.</summary>
    public Dictionary<string, string?> Environment => new()
    {
        ["JAQMC_ConnectionStrings__Stats"] = server.ConnectionString,
        ["JAQMC_Writers__Postgres__Schema"] = Schema,
    };

    /// <summary>Trains with <paramref name="settings"/> (the managed or the native build) and fails unless it exits 0.</summary>
    public async Task TrainAsync(IEnumerable<string> settings, bool native = false)
    {
        Directory.CreateDirectory(Root);
        using var p = await JaqmcProcess.RunAsync(["train", "-w", RunDirectory, "--name", Name, .. settings], Environment, native: native);
        Assert.True(p.ExitCode == 0, $"training failed ({p.ExitCode}):\n{p.Stdout}\n{p.Stderr}");
    }

    public async ValueTask DisposeAsync()
    {
        await server.DropSchemaAsync(Schema);
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }
}
