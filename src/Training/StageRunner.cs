using System.Diagnostics;
using Jaqmc.Sinks;
using Jaqmc.Training.Checkpoints;
using Jaqmc.Training.Estimators;
using Jaqmc.Training.Optimisation;
using Jaqmc.Training.Sampling;
using Jaqmc.Training.Systems;
using Microsoft.Extensions.Logging;

namespace Jaqmc.Training;

/// <summary>Runs the steps of one stage from a given state: sampling, statistics, optimisation, checkpoints.</summary>
internal sealed class StageRunner
{
    private static readonly long ProgressInterval = Stopwatch.Frequency / 10;

    private readonly IWavefunctionSystem _system;
    private readonly TrainingOptions _options;
    private readonly CheckpointStore _store;
    private readonly ILogger _logger;

    /// <summary>Creates a runner.</summary>
    public StageRunner(IWavefunctionSystem system, TrainingOptions options, CheckpointStore store, ILogger logger)
    {
        _system = system;
        _options = options;
        _store = store;
        _logger = logger;
    }

    /// <summary>
    /// Runs <paramref name="kind"/> from <paramref name="state"/> (whose last completed step is
    /// <see cref="VmcState.Step"/>) up to step <paramref name="iterations"/> − 1, or until
    /// <paramref name="stoppingToken"/> fires at a step boundary, or a NaN energy.
    /// </summary>
    /// <remarks>
    /// The recorder and the checkpoint store get <see cref="CancellationToken.None"/> on purpose: once a step has
    /// run, its record must reach the pipeline and the checkpoint must be written, or a resume would skip a row.
    /// </remarks>
    public async Task<StageResult> RunAsync(
        StageKind kind,
        string stage,
        VmcState state,
        long iterations,
        IStatsRecorder recorder,
        IProgress<TrainingProgress>? progress,
        CancellationToken stoppingToken)
    {
        var train = kind == StageKind.Train;
        var keys = CreateKeys(train);
        var parameterCount = state.Parameters.Length;
        var samples = new WalkerSamples(state.Walkers, parameterCount, state.Generators.Length);
        var threads = _options.Threads == 0 ? Environment.ProcessorCount : _options.Threads;
        var sampler = new MetropolisSampler(_system, _options.McmcSteps, threads);
        var gradient = new double[parameterCount];
        var initialStep = state.Step + 1;
        var lastSaved = state.Step;
        var started = Stopwatch.GetTimestamp();
        var lastProgress = 0L;
        string? failure = null;
        var interrupted = false;
        PreparedCheckpoint? last = null;

        TrainingLog.StageStarting(_logger, stage, initialStep, iterations, _system.Name, state.Walkers);
        await recorder.BeginStageAsync(stage, initialStep, CancellationToken.None).ConfigureAwait(false);
        try
        {
            for (var step = initialStep; step < iterations; step++)
            {
                if (stoppingToken.IsCancellationRequested)
                {
                    interrupted = true;
                    break;
                }

                var pmove = sampler.Sweep(state, samples);
                var stats = StepStatistics.Compute(samples, pmove);
                var learningRate = AdamOptimizer.LearningRate(_options.LearningRate, _options.LearningRateDecay, step);
                var values = CreateValues(train, keys, stats, learningRate, state.Parameters);
                ProposalWidthAdapter.Observe(state, pmove);
                if (!train)
                {
                    state.EnergySeries.Add(stats.Energy);
                }

                var finite = double.IsFinite(stats.Energy);
                if (train && finite)
                {
                    ClippedEnergyGradient.Compute(samples, stats.Energy, _options.ClipWidth, gradient);
                    AdamOptimizer.Step(state, gradient, learningRate);
                    _system.Constrain(state.Parameters);
                }

                state.Step = step;
                await recorder.RecordAsync(new StatsRecord(stage, step, keys, values), CancellationToken.None).ConfigureAwait(false);
                var now = Stopwatch.GetTimestamp();
                if (progress is not null && (now - lastProgress >= ProgressInterval || step == iterations - 1))
                {
                    lastProgress = now;
                    progress.Report(new TrainingProgress(stage, step, iterations, stats.Energy, pmove));
                }

                if (!finite)
                {
                    failure = FormattableString.Invariant(
                        $"Stage {stage}: total_energy is {stats.Energy} (not finite) at step {step} with parameters ") +
                              FormatParameters(state.Parameters);
                    if (step == iterations - 1)
                    {
                        // A checkpoint of the last step would make the next run skip the stage as complete, NaN and
                        // all; without it the next run repeats the steps since the last checkpoint, exactly, and fails
                        // at the same step.
                        failure += "; the run stopped without a checkpoint of the stage's last step.";
                    }
                    else
                    {
                        failure += "; the run stopped after saving a checkpoint.";
                        await SaveAsync(recorder, stage, state).ConfigureAwait(false);
                        lastSaved = step;
                    }

                    break;
                }

                // The last step's checkpoint waits for the end of the stage (below).
                if ((step + 1) % _options.CheckpointEvery == 0 && step != iterations - 1)
                {
                    await SaveAsync(recorder, stage, state).ConfigureAwait(false);
                    lastSaved = step;
                }
            }

            if (interrupted && state.Step != lastSaved)
            {
                await SaveAsync(recorder, stage, state).ConfigureAwait(false);
            }
            else if (!interrupted && failure is null && state.Step != lastSaved && _options.SaveCheckpoints)
            {
                // The checkpoint that makes the stage complete, so that the next run skips it, is written now, while a
                // failure (a full disk) still ends the stage as failed, and is put in place only once every writer
                // has ended the stage as completed (below).
                last = await _store.PrepareAsync(stage, state, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The exception propagates and its receiver reports it: logging it here too would print it twice.
            TrainingLog.StageAborted(_logger, stage, ex.Message);
            try
            {
                await recorder.EndStageAsync(StageOutcome.Failed, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception inner) when (inner is not OperationCanceledException)
            {
                // The original failure is the one worth reporting; the recorder is probably failing for the same reason.
                TrainingLog.StageAborted(_logger, stage, inner.Message);
            }

            throw;
        }

        var outcome = failure is not null ? StageOutcome.Failed
            : interrupted ? StageOutcome.Interrupted
            : StageOutcome.Completed;
        try
        {
            await recorder.EndStageAsync(outcome, CancellationToken.None).ConfigureAwait(false);
        }
        catch when (last is not null)
        {
            CheckpointStore.Discard(last);
            throw;
        }

        if (last is not null)
        {
            // After the end (which drains and flushes every writer, so no barrier is needed): in the other order a
            // kill between the two left a skipped stage whose sinks still said "running"; in this one the next run
            // resumes from the previous checkpoint, writes the last steps again and ends the stage.
            _store.Commit(last);
        }

        switch (outcome)
        {
            case StageOutcome.Failed:
                TrainingLog.StageFailed(_logger, stage, failure!);
                break;
            case StageOutcome.Interrupted:
                TrainingLog.StageInterrupted(_logger, stage, state.Step);
                break;
            default:
                var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
                TrainingLog.StageCompleted(_logger, stage, state.Step, (state.Step + 1 - initialStep) / Math.Max(seconds, 1e-9));
                break;
        }

        return new StageResult(outcome, state, failure);
    }

    private async Task SaveAsync(IStatsRecorder recorder, string stage, VmcState state)
    {
        // The flush barrier first: a checkpoint must never be ahead of the statistics already on disk.
        await recorder.FlushAsync(state.Step, CancellationToken.None).ConfigureAwait(false);
        if (_options.SaveCheckpoints)
        {
            await _store.SaveAsync(stage, state, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private StatsKeys CreateKeys(bool train)
    {
        List<string> names =
        [
            "total_energy", "total_energy_var",
            "energy:kinetic", "energy:kinetic_var",
            "energy:potential", "energy:potential_var",
        ];
        if (train)
        {
            names.Add("loss");
            names.Add("pmove");
            names.Add("learning_rate");
            foreach (var p in _system.ParameterNames)
            {
                names.Add("param:" + p);
            }
        }
        else
        {
            names.Add("pmove");
        }

        return new StatsKeys(names);
    }

    private static double[] CreateValues(bool train, StatsKeys keys, in StepStatistics s, double learningRate, double[] parameters)
    {
        var values = new double[keys.Count];
        values[0] = s.Energy;
        values[1] = s.EnergyVariance;
        values[2] = s.Kinetic;
        values[3] = s.KineticVariance;
        values[4] = s.Potential;
        values[5] = s.PotentialVariance;
        if (train)
        {
            values[6] = s.Energy;
            values[7] = s.Pmove;
            values[8] = learningRate;

            // The parameters the step sampled with (before this step's update), so each row is self-consistent.
            parameters.CopyTo(values, 9);
        }
        else
        {
            values[6] = s.Pmove;
        }

        return values;
    }

    private string FormatParameters(double[] parameters) =>
        string.Join(", ", _system.ParameterNames.Select((n, i) => FormattableString.Invariant($"{n}={parameters[i]:G6}")));
}
