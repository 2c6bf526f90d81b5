using Jaqmc.Tests.EndToEnd;

namespace Jaqmc.Tests.Dashboard;

/// <summary>Two short helium runs with different seeds (train 400 steps, evaluate 40, 128 walkers) under one root, for the browser tests.</summary>
public sealed class TwoHeliumRunsFixture : IAsyncLifetime
{
    public string Root { get; } = DashboardProcess.NewRoot("browser");

    public async Task InitializeAsync()
    {
        foreach (var (name, seed) in new[] { ("he-seed1", 1), ("he-seed2", 2) })
        {
            using var p = await JaqmcProcess.RunAsync(
                ["train", "--system", "He", "-w", Path.Combine(Root, name), "--iterations", "400", "--eval-iterations", "40", "--walkers", "128", "--seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture), "--no-progress"]);
            Assert.True(p.ExitCode == 0, $"training {name} failed ({p.ExitCode}):\n{p.Stdout}\n{p.Stderr}");
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;
}
