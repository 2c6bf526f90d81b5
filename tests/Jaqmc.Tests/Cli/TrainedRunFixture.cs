using Jaqmc.Tests.EndToEnd;

namespace Jaqmc.Tests.Cli;

/// <summary>One short helium run (train 50 steps, evaluate 20, 256 walkers) that the CLI tests read.</summary>
public sealed class TrainedRunFixture : IAsyncLifetime
{
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "jaqmc-cli", Guid.NewGuid().ToString("N"));

    public string RunDirectory => Path.Combine(Root, "he");

    /// <summary>Where the tests write their plots and exports, so that Root holds only the run.</summary>
    public string Scratch => Root + "-scratch";

    public async Task InitializeAsync()
    {
        // The verb's own options, as a user types them; show must report these, not its own defaults.
        using var p = await JaqmcProcess.RunAsync(
            ["train", "--system", "He", "-w", RunDirectory, "--iterations", "50", "--eval-iterations", "20", "--walkers", "256"]);
        Assert.True(p.ExitCode == 0, $"training failed ({p.ExitCode}):\n{p.Stdout}\n{p.Stderr}");
    }

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
            Directory.Delete(Scratch, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory harms no other test.
        }

        return Task.CompletedTask;
    }
}
