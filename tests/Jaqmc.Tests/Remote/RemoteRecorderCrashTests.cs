using Jaqmc.Tests.Samples;
using Xunit.Abstractions;

namespace Jaqmc.Tests.Remote;

/// <summary>
/// samples/OwnTrainingLoop recording through <c>RemoteStatsRecorder</c> (<c>--Remote:Url</c>) into the real
/// <c>jaqmc serve</c>: the same loop that records in-process ends, after SIGKILLs of itself and of the server, with
/// files identical to its own uninterrupted in-process run.
/// </summary>
public sealed class RemoteRecorderCrashTests(ITestOutputHelper output)
{
    private static readonly TimeSpan SlowStep = TimeSpan.FromMilliseconds(10);

    [Fact]
    public async Task SampleLoop_ClientAndServerKilled_EndsWithTheFilesOfAnUninterruptedInProcessRun()
    {
        var local = OwnTrainingLoopSample.NewDirectory("remote-reference");
        using (await OwnTrainingLoopSample.RunToCompletionAsync(local))
        {
        }

        var root = ServeProcess.NewRoot("dotnet");
        using var server = new ServeProcess(root);
        await server.StartAsync();
        var work = OwnTrainingLoopSample.NewDirectory("remote-crashed");
        string[] remote = ["--Remote:Url=" + server.Url, "--Remote:Run=crashed", "--Remote:RetryDelay=00:00:00.050", "--Remote:MaxRetryDelay=00:00:00.500"];

        // 1. The loop is SIGKILLed after its first checkpoint.
        using (var first = OwnTrainingLoopSample.Start(work, SlowStep, remote))
        {
            await OwnTrainingLoopSample.WaitForCheckpointAsync(first, work);
            first.KillHard();
            output.WriteLine($"client killed at checkpoint {OwnTrainingLoopSample.CheckpointStep(work)}");
        }

        // 2. The resumed loop outlives a SIGKILL of the server (it waits at its next checkpoint's flush barrier).
        using var second = OwnTrainingLoopSample.Start(work, SlowStep, remote);
        var resumedAt = OwnTrainingLoopSample.CheckpointStep(work);
        while (OwnTrainingLoopSample.CheckpointStep(work) < resumedAt + (2 * OwnTrainingLoopSample.CheckpointEvery))
        {
            Assert.False(second.HasExited, $"the resumed loop exited early:\n{second.Stdout}\n{second.Stderr}");
            await Task.Delay(20);
        }

        server.KillHard();
        output.WriteLine($"server killed at checkpoint {OwnTrainingLoopSample.CheckpointStep(work)}");
        await second.WaitForOutputAsync("unreachable", TimeSpan.FromMinutes(2));
        await server.StartAsync();
        await second.WaitAsync(TimeSpan.FromMinutes(10));
        Assert.True(second.ExitCode == 0, $"the resumed loop exited {second.ExitCode}:\n{second.Stdout}\n{second.Stderr}");
        Assert.Contains("reachable again", second.Stdout, StringComparison.Ordinal);

        RunFiles.AssertSame(local, Path.Combine(server.Root, "crashed"), new Dictionary<string, int> { ["train"] = OwnTrainingLoopSample.Steps });
    }
}
