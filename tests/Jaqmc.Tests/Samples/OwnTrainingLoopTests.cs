using System.Globalization;
using Jaqmc.Tests.EndToEnd;
using Jaqmc.Tests.Sinks.Csv;
using Xunit.Abstractions;

namespace Jaqmc.Tests.Samples;

/// <summary>
/// samples/OwnTrainingLoop, run as a user runs it: killed or stopped mid-run and started again, it ends with exactly
/// the statistics of a run that was never interrupted.
/// </summary>
public sealed class OwnTrainingLoopTests(OwnTrainingLoopReference reference, ITestOutputHelper output) : IClassFixture<OwnTrainingLoopReference>
{
    /// <summary>A slow step while a run is to be interrupted: the whole run would take at least 6 s, its first checkpoint comes after 0.5 s.</summary>
    private static readonly TimeSpan SlowStep = TimeSpan.FromMilliseconds(10);

    [Fact]
    public void UninterruptedRun_RecordsEveryStepOfARealFit_AndCheckpointsItsLastStep()
    {
        var rows = CsvTestFiles.Read(Path.Combine(reference.Directory, "train_stats.csv"));

        Assert.Equal(Enumerable.Range(0, OwnTrainingLoopSample.Steps).Select(s => (long)s), rows.Select(r => r.Step));
        Assert.Equal(["grad_norm", "learning_rate", "loss", "param:c0", "param:c1", "param:c2"], rows[0].Values.Keys.Order(StringComparer.Ordinal));
        Assert.True(rows[^1].Values["loss"] < rows[0].Values["loss"] / 10, $"the loss did not fall: {rows[0].Values["loss"]} -> {rows[^1].Values["loss"]}");
        Assert.Equal(1.5, rows[^1].Values["param:c0"], 0.2);
        Assert.Equal(-2.0, rows[^1].Values["param:c1"], 0.2);
        Assert.Equal(0.5, rows[^1].Values["param:c2"], 0.2);
        Assert.Equal(OwnTrainingLoopSample.Steps - 1, OwnTrainingLoopSample.CheckpointStep(reference.Directory));
        Assert.Contains("(Completed)", reference.Stdout, StringComparison.Ordinal);
        Assert.Contains($"Writer Csv: {OwnTrainingLoopSample.Steps} written, 0 dropped, 0 failed, 0 still queued", reference.Stdout, StringComparison.Ordinal);
        Assert.Contains($"Writer Hdf5: {OwnTrainingLoopSample.Steps} written, 0 dropped, 0 failed, 0 still queued", reference.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KilledAfterACheckpoint_ResumesFromIt_AndEndsWithExactlyTheUninterruptedRunsRows()
    {
        var directory = await InterruptAfterFirstCheckpointAsync("killed", p => p.KillHard(), exitCode => exitCode != 0, rowsPastCheckpoint: true);
        var checkpoint = OwnTrainingLoopSample.CheckpointStep(directory);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"killed with rows up to step {OwnTrainingLoopSample.LastCsvStep(directory)} in the CSV file, checkpoint at step {checkpoint}"));

        using var resumed = await OwnTrainingLoopSample.RunToCompletionAsync(directory);

        Assert.Contains($"Training from step {checkpoint + 1} to {OwnTrainingLoopSample.Steps}", resumed.Stdout, StringComparison.Ordinal);
        OwnTrainingLoopSample.AssertSameAsReference(reference.Directory, directory);
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task StoppedWithSigterm_StopsAtAStepBoundaryWithACheckpointOfIt_AndTheRestartEndsWithTheUninterruptedRunsRows()
    {
        var directory = await InterruptAfterFirstCheckpointAsync("sigterm", p => p.Signal("TERM"), exitCode => exitCode == 0, rowsPastCheckpoint: false);
        var checkpoint = OwnTrainingLoopSample.CheckpointStep(directory);

        // The stop saved a checkpoint of the step it stopped at, behind the flush barrier: the files hold every step
        // up to it and none after it.
        Assert.Equal(
            Enumerable.Range(0, (int)checkpoint + 1).Select(s => (long)s),
            CsvTestFiles.Read(Path.Combine(directory, "train_stats.csv")).Select(r => r.Step));
        Assert.Equal(
            Enumerable.Range(0, (int)checkpoint + 1).Select(s => (long)s),
            Jaqmc.Sinks.Hdf5.Hdf5StatsReader.Read(Path.Combine(directory, "train_stats.h5")).Steps);

        using var resumed = await OwnTrainingLoopSample.RunToCompletionAsync(directory);

        Assert.Contains($"Training from step {checkpoint + 1} to {OwnTrainingLoopSample.Steps}", resumed.Stdout, StringComparison.Ordinal);
        OwnTrainingLoopSample.AssertSameAsReference(reference.Directory, directory);
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task StartedAgainAfterCompleting_ChangesNothing()
    {
        var directory = OwnTrainingLoopSample.NewDirectory("again");
        (await OwnTrainingLoopSample.RunToCompletionAsync(directory)).Dispose();

        using var again = await OwnTrainingLoopSample.RunToCompletionAsync(directory);

        Assert.Contains($"Writer Csv: 0 written", again.Stdout, StringComparison.Ordinal);
        OwnTrainingLoopSample.AssertSameAsReference(reference.Directory, directory);
        Directory.Delete(directory, recursive: true);
    }

    /// <summary>
    /// Starts a run with slow steps, interrupts it as soon as its first checkpoint is on disk (and, with
    /// <paramref name="rowsPastCheckpoint"/>, the CSV file holds rows past the checkpoint), and returns its
    /// directory once the run ended interrupted (<paramref name="interrupted"/> judges its exit code, and it must
    /// have stopped before its last step). A run that finished before the interruption reached it (a machine
    /// stalled for seconds) is not an interrupted run: it is tried again in a fresh directory with slower steps.
    /// </summary>
    private async Task<string> InterruptAfterFirstCheckpointAsync(string scenario, Action<JaqmcProcess> interrupt, Func<int, bool> interrupted, bool rowsPastCheckpoint)
    {
        var stepDelay = SlowStep;
        for (var attempt = 1; ; attempt++)
        {
            var directory = OwnTrainingLoopSample.NewDirectory(scenario);
            using var p = OwnTrainingLoopSample.Start(directory, stepDelay);
            await OwnTrainingLoopSample.WaitForCheckpointAsync(p, directory);
            if (rowsPastCheckpoint)
            {
                await OwnTrainingLoopSample.WaitForRowsPastCheckpointAsync(p, directory);
            }

            interrupt(p);
            await p.WaitAsync(TimeSpan.FromMinutes(2));
            var checkpoint = OwnTrainingLoopSample.CheckpointStep(directory);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"attempt {attempt}: exit code {p.ExitCode}, checkpoint at step {checkpoint}"));
            if (checkpoint < OwnTrainingLoopSample.Steps - 1)
            {
                Assert.True(interrupted(p.ExitCode), $"the interrupted run exited {p.ExitCode}:\n{p.Stdout}\n{p.Stderr}");
                Assert.True(checkpoint >= OwnTrainingLoopSample.CheckpointEvery - 1, $"checkpoint at step {checkpoint}, before the first one was seen");
                return directory;
            }

            Assert.True(attempt < 4, $"the run finished before it could be interrupted, {attempt} times:\n{p.Stdout}");
            Directory.Delete(directory, recursive: true);
            stepDelay *= 4;
        }
    }
}
