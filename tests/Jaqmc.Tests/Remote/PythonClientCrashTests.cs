using Jaqmc.Tests.EndToEnd;
using Xunit.Abstractions;

namespace Jaqmc.Tests.Remote;

/// <summary>
/// clients/python against the real <c>jaqmc serve</c>: a loop shaped like JaQMC's (a stage as a context manager, a
/// write per step, a checkpoint after the writer's flush, resume at the checkpoint's initial_step) is SIGKILLed,
/// the server is SIGKILLed mid-run and restarted, and every sink ends identical to an uninterrupted run's.
/// </summary>
public sealed class PythonClientCrashTests(ITestOutputHelper output)
{
    private const string Stages = "train:600,evaluation:200";
    private static readonly Dictionary<string, int> Steps = new() { ["train"] = 600, ["evaluation"] = 200 };

    [Fact]
    public async Task ClientAndServerKilledMidRun_EverySinkEndsWithTheUninterruptedRunsRows()
    {
        var root = ServeProcess.NewRoot("python");
        var work = Path.Combine(root, "client");
        using var server = new ServeProcess(Path.Combine(root, "server"));
        await server.StartAsync();
        using var log = new ServerLog(server, output);
        await RunReferenceAsync(server, work);

        string[] Loop() => ["--url", server.Url, "--run", "crashed", "--workdir", Path.Combine(work, "crashed"), "--stages", Stages, "--step-delay", "0.004"];

        // 1. The client is SIGKILLed after a checkpoint, with records in flight.
        using (var first = PythonProcess.Start("examples/jaqmc_like_loop.py", Loop()))
        {
            await first.WaitForCheckpointAsync("train", 149);
            first.KillHard();
            output.WriteLine($"client killed after checkpoint train {first.LastCheckpoint("train")}");
        }

        // 2. The resumed client outlives a SIGKILL of the server: it keeps its batches and sends them again.
        using var second = PythonProcess.Start("examples/jaqmc_like_loop.py", Loop());
        await second.WaitForCheckpointAsync("train", 299);
        server.KillHard();
        output.WriteLine($"server killed after checkpoint train {second.LastCheckpoint("train")}");
        await WaitForAsync(() => second.Stderr.Contains("unreachable", StringComparison.Ordinal), second);
        await server.StartAsync();

        // 3. Killed again in the evaluation stage, then resumed to the end.
        await second.WaitForCheckpointAsync("evaluation", 49);
        second.KillHard();
        using (var last = PythonProcess.Start("examples/jaqmc_like_loop.py", Loop()))
        {
            await last.WaitAsync(TimeSpan.FromMinutes(10));
            Assert.True(last.ExitCode == 0, $"the resumed loop exited {last.ExitCode}:\n{last.Stdout}\n{last.Stderr}");
        }

        Assert.Single(second.Stderr.Split('\n'), l => l.Contains("unreachable", StringComparison.Ordinal));
        RunFiles.AssertSame(Path.Combine(server.Root, "reference"), Path.Combine(server.Root, "crashed"), Steps);
        Assert.Equal(["evaluation=completed", "train=completed"], await StageStatusesAsync(server.Root, "crashed"));
    }

    /// <summary>Kills in a random order (seeded; JAQMC_TEST_SEED repeats a failure): the client, the server, or both.</summary>
    [Fact]
    public async Task RandomKillsOfClientAndServer_EverySinkEndsWithTheUninterruptedRunsRows()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("JAQMC_TEST_SEED"), out var s) ? s : Environment.TickCount;
        output.WriteLine($"seed {seed} (JAQMC_TEST_SEED={seed} repeats it)");
        var random = new Random(seed);
        var root = ServeProcess.NewRoot("python-random");
        var work = Path.Combine(root, "client");
        using var server = new ServeProcess(Path.Combine(root, "server"));
        await server.StartAsync();
        using var log = new ServerLog(server, output);
        await RunReferenceAsync(server, work);

        string[] loop = ["--url", server.Url, "--run", "crashed", "--workdir", Path.Combine(work, "crashed"), "--stages", Stages, "--step-delay", "0.003", "--checkpoint-every", "20"];
        var client = PythonProcess.Start("examples/jaqmc_like_loop.py", loop);
        try
        {
            for (var round = 0; round < 8 && !client.HasExited; round++)
            {
                // Wait for progress: a checkpoint past the one seen at the start of the round.
                var mark = client.LastCheckpoint("train") + client.LastCheckpoint("evaluation");
                var watch = System.Diagnostics.Stopwatch.StartNew();
                while (!client.HasExited && client.LastCheckpoint("train") + client.LastCheckpoint("evaluation") < mark + 20 + random.Next(80))
                {
                    // Generous: at a load average of ~30 a freshly started client once made no checkpoint for two minutes.
                    Assert.True(watch.Elapsed < TimeSpan.FromMinutes(10), $"no progress in round {round}:\n{client.Stdout}\n{client.Stderr}");
                    await Task.Delay(10);
                }

                var victim = random.Next(3);
                output.WriteLine($"round {round}: kill {(victim == 0 ? "client" : victim == 1 ? "server" : "both")} at train {client.LastCheckpoint("train")}, evaluation {client.LastCheckpoint("evaluation")}");
                if (victim != 1)
                {
                    client.KillHard();
                }

                if (victim != 0)
                {
                    server.KillHard();
                    await Task.Delay(random.Next(200));
                    await server.StartAsync();
                }

                if (victim != 1)
                {
                    client.Dispose();
                    client = PythonProcess.Start("examples/jaqmc_like_loop.py", loop);
                }
            }

            await client.WaitAsync(TimeSpan.FromMinutes(10));
            Assert.True(client.ExitCode == 0, $"the last loop exited {client.ExitCode}:\n{client.Stdout}\n{client.Stderr}");
        }
        finally
        {
            client.Dispose();
        }

        RunFiles.AssertSame(Path.Combine(server.Root, "reference"), Path.Combine(server.Root, "crashed"), Steps);
        Assert.Equal(["evaluation=completed", "train=completed"], await StageStatusesAsync(server.Root, "crashed"));
    }

    /// <summary>Each stage's status that <c>jaqmc runs ROOT --json</c> gives the served run, as "stage=status".</summary>
    private static async Task<string[]> StageStatusesAsync(string root, string run)
    {
        using var runs = await JaqmcProcess.RunAsync(["runs", root, "--json"], timeout: TimeSpan.FromMinutes(5));
        Assert.True(runs.ExitCode == 0, $"jaqmc runs exited {runs.ExitCode}:\n{runs.Stdout}\n{runs.Stderr}");
        using var json = System.Text.Json.JsonDocument.Parse(runs.Stdout);
        var summary = Assert.Single(json.RootElement.EnumerateArray(), r => r.GetProperty("name").GetString() == run);
        return summary.GetProperty("stages").EnumerateArray()
            .Select(s => $"{s.GetProperty("name").GetString()}={s.GetProperty("status").GetString()}")
            .Order(StringComparer.Ordinal)
            .ToArray();
    }

    /// <summary>Writes the server's output (of its last start) to the test's output when the test ends, pass or fail.</summary>
    private sealed class ServerLog(ServeProcess server, ITestOutputHelper output) : IDisposable
    {
        public void Dispose() => output.WriteLine($"server output:\n{server.Process?.Stdout}\n{server.Process?.Stderr}");
    }

    /// <summary>The uninterrupted run every interrupted one is compared with, as run "reference".</summary>
    private static async Task RunReferenceAsync(ServeProcess server, string work)
    {
        using var reference = PythonProcess.Start("examples/jaqmc_like_loop.py", "--url", server.Url, "--run", "reference", "--workdir", Path.Combine(work, "reference"), "--stages", Stages);
        await reference.WaitAsync(TimeSpan.FromMinutes(10));
        Assert.True(reference.ExitCode == 0, $"the uninterrupted loop exited {reference.ExitCode}:\n{reference.Stdout}\n{reference.Stderr}");
    }

    private static async Task WaitForAsync(Func<bool> condition, PythonProcess process)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(watch.Elapsed < TimeSpan.FromMinutes(2), $"condition not met within two minutes:\n{process.Stdout}\n{process.Stderr}");
            await Task.Delay(20);
        }
    }
}
