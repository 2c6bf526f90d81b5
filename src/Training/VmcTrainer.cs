using Jaqmc.Sinks;
using Jaqmc.Training.Checkpoints;
using Jaqmc.Training.Estimators;
using Jaqmc.Training.Sampling;
using Jaqmc.Training.Systems;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Jaqmc.Training;

/// <summary>
/// Runs variational Monte Carlo: the stage <c>train</c> (Adam on the energy), then the stage <c>evaluation</c>
/// (fixed parameters, energy with a blocking error bar) unless <see cref="EvaluationOptions.Iterations"/> is 0. Each stage resumes from its newest readable checkpoint in
/// the working directory and is skipped when already complete, as in JaQMC.
/// </summary>
public sealed class VmcTrainer
{
    /// <summary>The training stage's name.</summary>
    public const string TrainStage = "train";

    /// <summary>The evaluation stage's name.</summary>
    public const string EvaluationStage = "evaluation";

    /// <summary>Where the evaluation's random streams start, far from training's (which are numbered from 0).</summary>
    private const long EvaluationStreamOffset = 1L << 40;

    private readonly TrainingOptions _options;
    private readonly EvaluationOptions _evaluation;
    private readonly ILogger<VmcTrainer> _logger;
    private readonly Func<TrainingOptions, IWavefunctionSystem> _systemFactory;

    /// <summary>Creates a trainer from validated options.</summary>
    public VmcTrainer(IOptions<TrainingOptions> options, IOptions<EvaluationOptions> evaluation, ILogger<VmcTrainer> logger)
        : this(options.Value, evaluation.Value, logger, WavefunctionSystemFactory.Create)
    {
    }

    /// <summary>Creates a trainer with a custom system (tests use it to inject failures).</summary>
    internal VmcTrainer(
        TrainingOptions options,
        EvaluationOptions evaluation,
        ILogger<VmcTrainer> logger,
        Func<TrainingOptions, IWavefunctionSystem> systemFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(evaluation);
        ArgumentNullException.ThrowIfNull(logger);
        _options = options;
        _evaluation = evaluation;
        _logger = logger;
        _systemFactory = systemFactory;
    }

    /// <inheritdoc cref="RunAsync(string, IStatsRecorder, IProgress{TrainingProgress}?, CancellationToken)"/>
    public Task<TrainingResult> RunAsync(string workingDirectory, IStatsRecorder recorder, CancellationToken stoppingToken) =>
        RunAsync(workingDirectory, recorder, progress: null, stoppingToken);

    /// <summary>Runs (or resumes) both stages (only training when <see cref="EvaluationOptions.Iterations"/> is 0).</summary>
    /// <param name="workingDirectory">The run directory: checkpoints are read from and written to it.</param>
    /// <param name="recorder">Receives every step's statistics.</param>
    /// <param name="progress">Optional live progress, reported at most about ten times a second.</param>
    /// <param name="stoppingToken">Stops the run at the next step boundary (never mid-step), after a checkpoint.</param>
    /// <returns>
    /// The outcome. A NaN energy or an unusable checkpoint gives <see cref="TrainingResult.FailedReason"/>; a stop
    /// gives <see cref="TrainingResult.Stopped"/>. Exceptions from the recorder or from checkpoint I/O propagate
    /// after the stage has been ended as <see cref="StageOutcome.Failed"/>.
    /// </returns>
    public Task<TrainingResult> RunAsync(
        string workingDirectory,
        IStatsRecorder recorder,
        IProgress<TrainingProgress>? progress,
        CancellationToken stoppingToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(workingDirectory);
        ArgumentNullException.ThrowIfNull(recorder);

        // The loop is CPU-bound and mostly completes synchronously: run it on the pool so a caller's start-up path
        // (such as a hosted service's) is never blocked by it.
        return Task.Run(() => RunCoreAsync(workingDirectory, recorder, progress, stoppingToken), CancellationToken.None);
    }

    private async Task<TrainingResult> RunCoreAsync(
        string workingDirectory,
        IStatsRecorder recorder,
        IProgress<TrainingProgress>? progress,
        CancellationToken stoppingToken)
    {
        var system = _systemFactory(_options);
        var store = new CheckpointStore(workingDirectory, _options.KeepCheckpoints, _logger);
        var runner = new StageRunner(system, _options, store, _logger);
        var lastSteps = new Dictionary<string, long>(StringComparer.Ordinal);

        // Training.
        var trainState = await store.LoadNewestAsync(TrainStage, CancellationToken.None).ConfigureAwait(false);
        var incompatible = Incompatibility(system, trainState);
        if (incompatible is not null)
        {
            return Fail(TrainStage, incompatible, system, trainState, lastSteps);
        }

        trainState ??= CreateInitialState(system);
        if (trainState.Step + 1 >= _options.Iterations)
        {
            TrainingLog.StageSkipped(_logger, TrainStage, trainState.Step);
        }
        else
        {
            if (stoppingToken.IsCancellationRequested)
            {
                return Result(stopped: true, null, system, trainState, null, lastSteps);
            }

            var train = await runner.RunAsync(
                StageKind.Train, TrainStage, trainState, _options.Iterations, recorder, progress, stoppingToken).ConfigureAwait(false);
            if (train.Outcome != StageOutcome.Completed)
            {
                Record(lastSteps, TrainStage, train.State);
                return Result(train.Outcome == StageOutcome.Interrupted, train.FailedReason, system, train.State, null, lastSteps);
            }
        }

        Record(lastSteps, TrainStage, trainState);
        if (_evaluation.Iterations == 0)
        {
            // A train-only run: an evaluation of earlier runs in this directory is left as it is.
            TrainingLog.StageOff(_logger, EvaluationStage);
            return Result(stopped: false, null, system, trainState, null, lastSteps);
        }

        // Evaluation, from the trained parameters and equilibrated walkers of training's final checkpoint.
        var evalState = await store.LoadNewestAsync(EvaluationStage, CancellationToken.None).ConfigureAwait(false);
        incompatible = Incompatibility(system, evalState);
        if (incompatible is not null)
        {
            return Fail(EvaluationStage, incompatible, system, trainState, lastSteps);
        }

        if (evalState is not null && !evalState.Parameters.AsSpan().SequenceEqual(trainState.Parameters))
        {
            // Training went on after this evaluation began (more iterations were configured): its energies belong
            // to other parameters, so the evaluation starts over rather than mixing the two.
            TrainingLog.StaleEvaluation(_logger, evalState.Step);
            evalState = null;
        }

        evalState ??= CreateEvaluationState(trainState);
        if (evalState.Step + 1 >= _evaluation.Iterations)
        {
            TrainingLog.StageSkipped(_logger, EvaluationStage, evalState.Step);
        }
        else
        {
            if (stoppingToken.IsCancellationRequested)
            {
                return Result(stopped: true, null, system, evalState, null, lastSteps);
            }

            var evaluation = await runner.RunAsync(
                StageKind.Evaluation, EvaluationStage, evalState, _evaluation.Iterations, recorder, progress, stoppingToken).ConfigureAwait(false);
            if (evaluation.Outcome != StageOutcome.Completed)
            {
                Record(lastSteps, EvaluationStage, evaluation.State);
                return Result(evaluation.Outcome == StageOutcome.Interrupted, evaluation.FailedReason, system, evaluation.State, null, lastSteps);
            }
        }

        Record(lastSteps, EvaluationStage, evalState);
        var estimate = BlockingAnalysis.Analyse(evalState.EnergySeries);
        TrainingLog.EvaluationResult(_logger, estimate.Mean, estimate.StandardError, evalState.EnergySeries.Count);
        for (var i = 0; i < evalState.Parameters.Length; i++)
        {
            TrainingLog.FinalParameter(_logger, system.ParameterNames[i], evalState.Parameters[i]);
        }

        return Result(stopped: false, null, system, evalState, estimate, lastSteps);
    }

    private VmcState CreateInitialState(IWavefunctionSystem system)
    {
        var blocks = MetropolisSampler.BlockCount(_options.Walkers);
        var n = system.CoordinateCount;
        var state = new VmcState(system.Name, _options.Walkers, n, system.ParameterNames.Count, blocks)
        {
            ProposalWidth = system.InitialProposalWidth,
        };
        system.InitialParameters(state.Parameters);
        system.Constrain(state.Parameters);
        for (var b = 0; b < blocks; b++)
        {
            // Each block's walkers start from its own stream, so the start does not depend on the thread count either.
            ref var random = ref state.Generators[b];
            random = Xoshiro256StarStar.Create(_options.Seed, b);
            var end = Math.Min((b + 1) * MetropolisSampler.BlockSize, _options.Walkers);
            for (var w = b * MetropolisSampler.BlockSize; w < end; w++)
            {
                system.InitialPositions(ref random, state.Positions.AsSpan(w * n, n));
            }
        }

        return state;
    }

    private VmcState CreateEvaluationState(VmcState trained)
    {
        var state = new VmcState(trained.SystemName, trained.Walkers, trained.Coordinates, trained.Parameters.Length, trained.Generators.Length)
        {
            ProposalWidth = trained.ProposalWidth,
            AdamStepCount = trained.AdamStepCount,
        };
        trained.Parameters.CopyTo(state.Parameters, 0);
        trained.AdamFirstMoment.CopyTo(state.AdamFirstMoment, 0);
        trained.AdamSecondMoment.CopyTo(state.AdamSecondMoment, 0);
        trained.Positions.CopyTo(state.Positions, 0);
        for (var b = 0; b < state.Generators.Length; b++)
        {
            // Fresh streams: the evaluation must not replay training's random numbers.
            state.Generators[b] = Xoshiro256StarStar.Create(_options.Seed, EvaluationStreamOffset + b);
        }

        return state;
    }

    private string? Incompatibility(IWavefunctionSystem system, VmcState? state)
    {
        if (state is null)
        {
            return null;
        }

        if (state.SystemName != system.Name || state.Walkers != _options.Walkers || state.Coordinates != system.CoordinateCount
            || state.Parameters.Length != system.ParameterNames.Count
            || state.Generators.Length != MetropolisSampler.BlockCount(_options.Walkers))
        {
            return $"The checkpoint (system {state.SystemName}, {state.Walkers} walkers, {state.Parameters.Length} parameters) " +
                   $"does not match the configuration (system {system.Name}, {_options.Walkers} walkers, " +
                   $"{system.ParameterNames.Count} parameters); use another working directory.";
        }

        return null;
    }

    private TrainingResult Fail(string stage, string reason, IWavefunctionSystem system, VmcState? state, Dictionary<string, long> lastSteps)
    {
        TrainingLog.StageFailed(_logger, stage, reason);
        return Result(stopped: false, reason, system, state, null, lastSteps);
    }

    private static void Record(Dictionary<string, long> lastSteps, string stage, VmcState state)
    {
        if (state.Step >= 0)
        {
            lastSteps[stage] = state.Step;
        }
    }

    private static TrainingResult Result(
        bool stopped,
        string? failure,
        IWavefunctionSystem system,
        VmcState? state,
        (double Mean, double StandardError)? estimate,
        Dictionary<string, long> lastSteps)
    {
        var parameters = new Dictionary<string, double>(StringComparer.Ordinal);
        if (state is not null)
        {
            for (var i = 0; i < state.Parameters.Length && i < system.ParameterNames.Count; i++)
            {
                parameters[system.ParameterNames[i]] = state.Parameters[i];
            }
        }

        return new TrainingResult(stopped, failure, parameters, estimate?.Mean, estimate?.StandardError, lastSteps);
    }
}
