using System.ComponentModel.DataAnnotations;

namespace Jaqmc.Samples.OwnTrainingLoop;

/// <summary>Settings of the sample's training (<c>Training</c>).</summary>
public sealed class FitOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Training";

    /// <summary>Steps of the whole run (steps 0 to <c>Steps - 1</c>). Default: 2000.</summary>
    [Range(1, int.MaxValue)]
    public int Steps { get; set; } = 2000;

    /// <summary>A checkpoint after every this many steps (and at the last step, and on Ctrl+C). Default: 100.</summary>
    [Range(1, int.MaxValue)]
    public int CheckpointEvery { get; set; } = 100;

    /// <summary>Seeds both the synthetic data and the minibatch draws. Default: 42.</summary>
    public ulong Seed { get; set; } = 42;

    /// <summary>Points of synthetic data. Default: 1000.</summary>
    [Range(1, 10_000_000)]
    public int DataPoints { get; set; } = 1000;

    /// <summary>Points drawn per step. Default: 32.</summary>
    [Range(1, 1_000_000)]
    public int BatchSize { get; set; } = 32;

    /// <summary>The learning rate at step 0; step <c>t</c> uses <c>LearningRate / (1 + t / DecaySteps)</c>. Default: 0.05.</summary>
    [Range(0.0, 10.0)]
    public double LearningRate { get; set; } = 0.05;

    /// <summary>The learning rate's decay time in steps. Default: 500.</summary>
    [Range(1.0, double.MaxValue)]
    public double DecaySteps { get; set; } = 500;

    /// <summary>
    /// Pretends that a step is expensive by sleeping this long in it, so you can watch a run and stop it.
    /// Default: zero.
    /// </summary>
    public TimeSpan StepDelay { get; set; } = TimeSpan.Zero;
}
