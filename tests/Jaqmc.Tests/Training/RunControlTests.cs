using Jaqmc.Sinks;
using Jaqmc.Training;
using Jaqmc.Training.Checkpoints;
using Jaqmc.Training.Sampling;
using Jaqmc.Training.Systems;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Jaqmc.Tests.Training;

/// <summary>Determinism, resume, checkpoint fallback and failure handling of <see cref="VmcTrainer"/>.</summary>
public sealed class RunControlTests : IDisposable
{
    private readonly List<TrainingTestContext> _contexts = [];

    public void Dispose()
    {
        foreach (var c in _contexts)
        {
            c.Dispose();
        }
    }

    private string NewDirectory()
    {
        var context = new TrainingTestContext();
        _contexts.Add(context);
        return context.Directory;
    }

    private static void AssertBitwiseEqual(IReadOnlyList<StatsRecord> expected, IReadOnlyList<StatsRecord> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Step, actual[i].Step);
            Assert.Equal(expected[i].Keys, actual[i].Keys);
            for (var k = 0; k < expected[i].Values.Length; k++)
            {
                // Bit patterns, not values: NaN == NaN and −0 ≠ +0 here, as bitwise identity demands.
                Assert.True(
                    BitConverter.DoubleToInt64Bits(expected[i].Values[k]) == BitConverter.DoubleToInt64Bits(actual[i].Values[k]),
                    $"step {expected[i].Step} key {expected[i].Keys[k]}: {expected[i].Values[k]:R} vs {actual[i].Values[k]:R}");
            }
        }
    }

    [Fact]
    public async Task Statistics_are_bitwise_identical_for_one_and_two_threads()
    {
        var options = TrainingTestContext.SmallOptions();
        options.Walkers = 200; // not a multiple of the block size: the short last block must not matter either
        var one = new RecordingStatsRecorder();
        await TrainingTestContext.Trainer(options).RunAsync(NewDirectory(), one, CancellationToken.None);
        options.Threads = 2;
        var two = new RecordingStatsRecorder();
        await TrainingTestContext.Trainer(options).RunAsync(NewDirectory(), two, CancellationToken.None);

        AssertBitwiseEqual(one.Rows(VmcTrainer.TrainStage), two.Rows(VmcTrainer.TrainStage));
        AssertBitwiseEqual(one.Rows(VmcTrainer.EvaluationStage), two.Rows(VmcTrainer.EvaluationStage));
        Assert.Equal(options.Iterations, one.Rows(VmcTrainer.TrainStage).Count);
    }

    [Theory]
    [InlineData(VmcTrainer.TrainStage, 33)] // between checkpoints (every 20): the stop itself saves one
    [InlineData(VmcTrainer.TrainStage, 39)] // exactly on a periodic checkpoint
    [InlineData(VmcTrainer.EvaluationStage, 7)] // mid-evaluation: its accumulated energies must survive
    public async Task A_run_stopped_and_resumed_records_exactly_what_an_uninterrupted_run_records(string stopStage, long stopStep)
    {
        var options = TrainingTestContext.SmallOptions();
        var reference = new RecordingStatsRecorder();
        var expected = await TrainingTestContext.Trainer(options).RunAsync(NewDirectory(), reference, CancellationToken.None);

        var directory = NewDirectory();
        var recorder = new RecordingStatsRecorder();
        using var stop = new CancellationTokenSource();
        recorder.OnRecord = r =>
        {
            if (r.Stage == stopStage && r.Step == stopStep)
            {
                stop.Cancel();
            }
        };
        var stopped = await TrainingTestContext.Trainer(options).RunAsync(directory, recorder, stop.Token);
        Assert.True(stopped.Stopped);
        Assert.Null(stopped.FailedReason);
        Assert.Equal(stopStep, stopped.LastSteps[stopStage]);
        Assert.Equal(StageOutcome.Interrupted, recorder.Ends[^1]);
        Assert.Equal(stopStep, recorder.Flushes[^1]); // the flush barrier preceded the stop's checkpoint
        Assert.True(File.Exists(Path.Combine(directory, CheckpointStore.FileName(stopStage, stopStep))));

        recorder.OnRecord = null;
        var resumed = await TrainingTestContext.Trainer(options).RunAsync(directory, recorder, CancellationToken.None);
        Assert.True(resumed.Succeeded);
        Assert.Equal((stopStage, stopStep + 1), recorder.Begins[^(stopStage == VmcTrainer.TrainStage ? 2 : 1)]);
        AssertBitwiseEqual(reference.Rows(VmcTrainer.TrainStage), recorder.Rows(VmcTrainer.TrainStage));
        AssertBitwiseEqual(reference.Rows(VmcTrainer.EvaluationStage), recorder.Rows(VmcTrainer.EvaluationStage));
        Assert.Equal(expected.EvaluationEnergy, resumed.EvaluationEnergy);
        Assert.Equal(expected.EvaluationStandardError, resumed.EvaluationStandardError);
        Assert.Equal(expected.Parameters, resumed.Parameters);
    }

    [Fact]
    public async Task A_complete_run_skips_both_stages_without_opening_writers()
    {
        var options = TrainingTestContext.SmallOptions();
        var directory = NewDirectory();
        var first = await TrainingTestContext.Trainer(options).RunAsync(directory, new RecordingStatsRecorder(), CancellationToken.None);

        var recorder = new RecordingStatsRecorder();
        var again = await TrainingTestContext.Trainer(options).RunAsync(directory, recorder, CancellationToken.None);
        Assert.Empty(recorder.Begins);
        Assert.True(again.Succeeded);
        Assert.Equal(first.EvaluationEnergy, again.EvaluationEnergy);
        Assert.Equal(first.EvaluationStandardError, again.EvaluationStandardError);
        Assert.Equal(options.Iterations - 1, again.LastSteps[VmcTrainer.TrainStage]);

        // Only the newest KeepCheckpoints survive (train saved at 19, 39, 59).
        Assert.Equal([59L, 39L, 19L], CheckpointSteps(directory));
    }

    [Theory]
    [InlineData(VmcTrainer.TrainStage)]
    [InlineData(VmcTrainer.EvaluationStage)]
    public async Task A_crash_while_the_writers_close_a_completed_stage_runs_its_last_steps_again_and_ends_it(string crashStage)
    {
        var options = TrainingTestContext.SmallOptions();
        var reference = new RecordingStatsRecorder();
        await TrainingTestContext.Trainer(options).RunAsync(NewDirectory(), reference, CancellationToken.None);

        var directory = NewDirectory();
        var recorder = new RecordingStatsRecorder
        {
            OnEnd = (stage, outcome) =>
            {
                if (stage == crashStage && outcome == StageOutcome.Completed)
                {
                    throw new IOException("the process died while the writers closed the stage");
                }
            },
        };
        await Assert.ThrowsAsync<IOException>(() => TrainingTestContext.Trainer(options).RunAsync(directory, recorder, CancellationToken.None));

        // The writers never confirmed the end, so no checkpoint may say the stage is complete: a run that skipped it
        // would leave the PostgreSQL writer's stage "running" for good. Nor is the prepared one left behind.
        var lastStep = (crashStage == VmcTrainer.TrainStage ? options.Iterations : 20) - 1;
        var lastCheckpoint = Path.Combine(directory, CheckpointStore.FileName(crashStage, lastStep));
        Assert.False(File.Exists(lastCheckpoint));
        Assert.False(File.Exists(lastCheckpoint + ".tmp"));
        var crashedEnds = recorder.Ends.Count;

        recorder.OnEnd = null;
        var resumed = await TrainingTestContext.Trainer(options).RunAsync(directory, recorder, CancellationToken.None);
        Assert.True(resumed.Succeeded);
        Assert.Equal(
            crashStage == VmcTrainer.TrainStage
                ? [(VmcTrainer.TrainStage, 0L), (VmcTrainer.TrainStage, 40L), (VmcTrainer.EvaluationStage, 0L)]
                : [(VmcTrainer.TrainStage, 0L), (VmcTrainer.EvaluationStage, 0L), (VmcTrainer.EvaluationStage, 0L)],
            recorder.Begins);
        Assert.All(recorder.Ends.Skip(crashedEnds), e => Assert.Equal(StageOutcome.Completed, e));
        Assert.True(File.Exists(lastCheckpoint));
        AssertBitwiseEqual(reference.Rows(VmcTrainer.TrainStage), recorder.Rows(VmcTrainer.TrainStage));
        AssertBitwiseEqual(reference.Rows(VmcTrainer.EvaluationStage), recorder.Rows(VmcTrainer.EvaluationStage));
        Assert.Equal(reference.Rows(VmcTrainer.EvaluationStage).Count, recorder.Rows(VmcTrainer.EvaluationStage).Count);
    }

    [Fact]
    public async Task A_last_checkpoint_that_cannot_be_written_ends_the_stage_as_failed_not_completed()
    {
        var options = TrainingTestContext.SmallOptions();
        var directory = NewDirectory();

        // A directory where the last checkpoint's temporary file goes: its write fails as a full disk's would.
        var blocked = Path.Combine(directory, CheckpointStore.FileName(VmcTrainer.TrainStage, options.Iterations - 1) + ".tmp");
        Directory.CreateDirectory(blocked);
        var recorder = new RecordingStatsRecorder();
        await Assert.ThrowsAnyAsync<Exception>(() => TrainingTestContext.Trainer(options).RunAsync(directory, recorder, CancellationToken.None));

        // The writers say what happened (PostgreSQL's status 'failed', not 'completed'), and the next run, once the
        // disk is fixed, repeats the last steps rather than skipping a stage it never finished.
        Assert.Equal([StageOutcome.Failed], recorder.Ends);
        Directory.Delete(blocked);
        var resumed = await TrainingTestContext.Trainer(options).RunAsync(directory, recorder, CancellationToken.None);
        Assert.True(resumed.Succeeded);
        Assert.Equal((VmcTrainer.TrainStage, 40L), recorder.Begins[1]);
        Assert.Equal(options.Iterations, recorder.Rows(VmcTrainer.TrainStage).Count);
    }

    [Fact]
    public async Task A_nan_energy_at_a_stages_last_step_leaves_no_checkpoint_that_would_skip_the_stage()
    {
        var options = TrainingTestContext.SmallOptions();
        var directory = NewDirectory();
        await TrainingTestContext.Trainer(options, evaluationIterations: 0).RunAsync(directory, new RecordingStatsRecorder(), CancellationToken.None);
        static IWavefunctionSystem AlwaysNan(TrainingOptions o) => new NanAfterSystem(WavefunctionSystemFactory.Create(o), alphaBelow: double.PositiveInfinity);

        // An evaluation of one step fails at its last step, and so does every run after it: none may skip the stage
        // and report an estimate with the NaN in it.
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var recorder = new RecordingStatsRecorder();
            var result = await TrainingTestContext.Trainer(options, evaluationIterations: 1, systemFactory: AlwaysNan).RunAsync(directory, recorder, CancellationToken.None);
            Assert.False(result.Succeeded, $"attempt {attempt} succeeded");
            Assert.StartsWith("Stage evaluation: total_energy is NaN (not finite) at step 0", result.FailedReason, StringComparison.Ordinal);
            Assert.EndsWith("; the run stopped without a checkpoint of the stage's last step.", result.FailedReason, StringComparison.Ordinal);
            Assert.Equal([(VmcTrainer.EvaluationStage, 0L)], recorder.Begins);
            Assert.Equal([StageOutcome.Failed], recorder.Ends);
            Assert.False(File.Exists(Path.Combine(directory, CheckpointStore.FileName(VmcTrainer.EvaluationStage, 0))));
        }
    }

    [Fact]
    public async Task More_training_iterations_continue_training_and_restart_the_evaluation()
    {
        var options = TrainingTestContext.SmallOptions();
        options.Iterations = 40;
        var directory = NewDirectory();
        var recorder = new RecordingStatsRecorder();
        await TrainingTestContext.Trainer(options).RunAsync(directory, recorder, CancellationToken.None);
        options.Iterations = 60;
        var result = await TrainingTestContext.Trainer(options).RunAsync(directory, recorder, CancellationToken.None);

        Assert.True(result.Succeeded);
        Assert.Equal([(VmcTrainer.TrainStage, 40L), (VmcTrainer.EvaluationStage, 0L)], recorder.Begins.Skip(2));
        Assert.Equal(60, recorder.Rows(VmcTrainer.TrainStage).Count);
        Assert.Equal(20, recorder.Rows(VmcTrainer.EvaluationStage).Count);
    }

    [Fact]
    public async Task Checkpoints_beyond_the_limit_are_deleted()
    {
        var options = TrainingTestContext.SmallOptions();
        options.CheckpointEvery = 10;
        options.KeepCheckpoints = 2;
        var directory = NewDirectory();
        await TrainingTestContext.Trainer(options).RunAsync(directory, new RecordingStatsRecorder(), CancellationToken.None);
        Assert.Equal([59L, 49L], CheckpointSteps(directory));
        Assert.Empty(Directory.EnumerateFiles(directory, "*.tmp"));
    }

    [Fact]
    public async Task A_temporary_checkpoint_left_by_a_killed_run_is_deleted_by_the_next_save()
    {
        var options = TrainingTestContext.SmallOptions();
        options.CheckpointEvery = 10;
        var directory = NewDirectory();
        var leftover = Path.Combine(directory, CheckpointStore.FileName(VmcTrainer.TrainStage, 7) + ".tmp");
        var unrelated = Path.Combine(directory, "notes.tmp");
        await File.WriteAllBytesAsync(leftover, new byte[4096]);
        await File.WriteAllTextAsync(unrelated, "not a checkpoint");

        await TrainingTestContext.Trainer(options).RunAsync(directory, new RecordingStatsRecorder(), CancellationToken.None);

        Assert.False(File.Exists(leftover));
        Assert.True(File.Exists(unrelated));
        Assert.Contains(59L, CheckpointSteps(directory));
    }

    [Theory]
    [InlineData("truncate")]
    [InlineData("flip")]
    public async Task A_corrupt_newest_checkpoint_falls_back_to_the_previous_one(string damage)
    {
        var options = TrainingTestContext.SmallOptions();
        var directory = NewDirectory();
        var reference = new RecordingStatsRecorder();
        await TrainingTestContext.Trainer(options).RunAsync(directory, reference, CancellationToken.None);

        // Damage train's final checkpoint and remove the evaluation's, as if the crash came right after the save.
        var newest = Path.Combine(directory, CheckpointStore.FileName(VmcTrainer.TrainStage, 59));
        var bytes = await File.ReadAllBytesAsync(newest);
        if (damage == "truncate")
        {
            await File.WriteAllBytesAsync(newest, bytes.AsSpan(0, bytes.Length / 2).ToArray());
        }
        else
        {
            bytes[bytes.Length / 3] ^= 0x10;
            await File.WriteAllBytesAsync(newest, bytes);
        }

        foreach (var file in Directory.EnumerateFiles(directory, VmcTrainer.EvaluationStage + "_ckpt_*"))
        {
            File.Delete(file);
        }

        var logger = new FakeLogger<VmcTrainer>();
        var expectedTrain = reference.Rows(VmcTrainer.TrainStage).ToList();
        var expectedEvaluation = reference.Rows(VmcTrainer.EvaluationStage).ToList();
        var recorder = reference; // the same "files": resuming truncates them at the initial step
        var resumed = await TrainingTestContext.Trainer(options, logger: logger).RunAsync(directory, recorder, CancellationToken.None);

        Assert.True(resumed.Succeeded);
        Assert.Equal((VmcTrainer.TrainStage, 40L), recorder.Begins[^2]);
        Assert.Equal((VmcTrainer.EvaluationStage, 0L), recorder.Begins[^1]);
        Assert.Contains(logger.Collector.GetSnapshot(), r => r.Level == LogLevel.Warning && r.Message.Contains(newest, StringComparison.Ordinal));

        // Steps 40–59 are recomputed from checkpoint 39 and come out exactly as before.
        AssertBitwiseEqual(expectedTrain, recorder.Rows(VmcTrainer.TrainStage));
        AssertBitwiseEqual(expectedEvaluation, recorder.Rows(VmcTrainer.EvaluationStage));
    }

    [Fact]
    public async Task A_nan_energy_records_the_row_saves_a_checkpoint_and_fails_clearly()
    {
        var options = TrainingTestContext.SmallOptions();
        var directory = NewDirectory();
        var recorder = new RecordingStatsRecorder();
        var trainer = TrainingTestContext.Trainer(options, systemFactory: o => new NanAfterSystem(WavefunctionSystemFactory.Create(o), alphaBelow: 1.99));
        var result = await trainer.RunAsync(directory, recorder, CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.False(result.Stopped);
        Assert.NotNull(result.FailedReason);
        Assert.Contains("NaN", result.FailedReason, StringComparison.Ordinal);
        var rows = recorder.Rows(VmcTrainer.TrainStage);
        var last = rows[^1];
        Assert.True(double.IsNaN(last.Values[0]));
        Assert.All(rows.SkipLast(1), r => Assert.False(double.IsNaN(r.Values[0])));
        Assert.Contains($"step {last.Step}", result.FailedReason, StringComparison.Ordinal);
        Assert.Equal([StageOutcome.Failed], recorder.Ends);
        Assert.Equal(last.Step, recorder.Flushes[^1]);
        Assert.True(File.Exists(Path.Combine(directory, CheckpointStore.FileName(VmcTrainer.TrainStage, last.Step))));
        Assert.Empty(recorder.Rows(VmcTrainer.EvaluationStage));
    }

    [Fact]
    public async Task A_checkpoint_of_another_configuration_is_refused()
    {
        var options = TrainingTestContext.SmallOptions();
        options.Iterations = 20;
        var directory = NewDirectory();
        await TrainingTestContext.Trainer(options).RunAsync(directory, new RecordingStatsRecorder(), CancellationToken.None);
        options.Walkers = 128;
        options.Iterations = 40;
        var recorder = new RecordingStatsRecorder();
        var result = await TrainingTestContext.Trainer(options).RunAsync(directory, recorder, CancellationToken.None);
        Assert.Contains("does not match", result.FailedReason, StringComparison.Ordinal);
        Assert.Empty(recorder.Begins);
    }

    [Fact]
    public async Task Progress_is_reported_and_ends_with_each_stage_last_step()
    {
        var options = TrainingTestContext.SmallOptions();
        var reports = new List<TrainingProgress>();
        var progress = new SynchronousProgress(reports);
        await TrainingTestContext.Trainer(options).RunAsync(NewDirectory(), new RecordingStatsRecorder(), progress, CancellationToken.None);
        var lastTrain = reports.Last(r => r.Stage == VmcTrainer.TrainStage);
        Assert.Equal((59L, 60L), (lastTrain.Step, lastTrain.TotalSteps));
        Assert.True(lastTrain.Energy < -2.5 && lastTrain.Pmove is > 0 and < 1);
        Assert.Equal((VmcTrainer.EvaluationStage, 19L), (reports[^1].Stage, reports[^1].Step));
        Assert.True(reports.Count < 20); // throttled, not one per step
    }

    private static IEnumerable<long> CheckpointSteps(string directory) =>
        new CheckpointStore(directory, 1, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance)
            .List(VmcTrainer.TrainStage).Select(c => c.Step);

    private sealed class SynchronousProgress(List<TrainingProgress> reports) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => reports.Add(value);
    }

    /// <summary>Wraps a system and makes the potential NaN once α has dropped below a threshold (a blow-up stand-in).</summary>
    private sealed class NanAfterSystem(IWavefunctionSystem inner, double alphaBelow) : IWavefunctionSystem
    {
        private double _alpha = double.MaxValue;

        public string Name => inner.Name;

        public int CoordinateCount => inner.CoordinateCount;

        public IReadOnlyList<string> ParameterNames => inner.ParameterNames;

        public double InitialProposalWidth => inner.InitialProposalWidth;

        public void InitialParameters(Span<double> parameters) => inner.InitialParameters(parameters);

        public void Constrain(Span<double> parameters) => inner.Constrain(parameters);

        public void InitialPositions(ref Xoshiro256StarStar random, Span<double> coordinates) => inner.InitialPositions(ref random, coordinates);

        public double LogPsi(ReadOnlySpan<double> parameters, ReadOnlySpan<double> coordinates) => inner.LogPsi(parameters, coordinates);

        public double GradientAndLaplacian(ReadOnlySpan<double> parameters, ReadOnlySpan<double> coordinates, Span<double> gradient)
        {
            _alpha = parameters[0];
            return inner.GradientAndLaplacian(parameters, coordinates, gradient);
        }

        public double Potential(ReadOnlySpan<double> coordinates) => _alpha < alphaBelow ? double.NaN : inner.Potential(coordinates);

        public void ParameterDerivatives(ReadOnlySpan<double> parameters, ReadOnlySpan<double> coordinates, Span<double> derivatives) =>
            inner.ParameterDerivatives(parameters, coordinates, derivatives);
    }
}
