using System.ComponentModel.DataAnnotations;

namespace Jaqmc.Training;

/// <summary>Settings of the training stage, bound from the configuration section <c>Training</c>.</summary>
public sealed class TrainingOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Training";

    /// <summary>The system to train. Default <see cref="TrainingSystem.He"/>.</summary>
    [EnumDataType(typeof(TrainingSystem))]
    public TrainingSystem System { get; set; } = TrainingSystem.He;

    /// <summary>The number of training steps. Default 2000.</summary>
    [Range(1, int.MaxValue)]
    public int Iterations { get; set; } = 2000;

    /// <summary>The seed of every random stream (walker blocks are seeded from it and their index). Default 42.</summary>
    public long Seed { get; set; } = 42;

    /// <summary>The number of walkers (Monte Carlo samples). Default 4096.</summary>
    [Range(1, 1 << 24)]
    public int Walkers { get; set; } = 4096;

    /// <summary>Metropolis moves per walker per training step. Default 10.</summary>
    [Range(1, 100_000)]
    public int McmcSteps { get; set; } = 10;

    /// <summary>A checkpoint is saved after every this many steps (and at the end of a stage, and on stop). Default 1000.</summary>
    [Range(1, int.MaxValue)]
    public int CheckpointEvery { get; set; } = 1000;

    /// <summary>
    /// Whether this process saves checkpoints. Default true; the service turns it off on every process but the
    /// master (<c>Distributed:ProcessIndex</c> &gt; 0), as JaQMC does: processes of one run share the working
    /// directory, and a worker that finished a stage first would otherwise leave a checkpoint that makes the master
    /// skip what it has not yet written.
    /// </summary>
    public bool SaveCheckpoints { get; set; } = true;

    /// <summary>How many checkpoints per stage are kept; older ones are deleted. Default 3.</summary>
    [Range(1, 1000)]
    public int KeepCheckpoints { get; set; } = 3;

    /// <summary>Adam's base learning rate. Default 0.02.</summary>
    [Range(1e-12, 10.0)]
    public double LearningRate { get; set; } = 0.02;

    /// <summary>
    /// The learning-rate decay: the rate at step t is <c>LearningRate / (1 + LearningRateDecay × t)</c>; 0 keeps it
    /// constant. Default 0.001 (the rate halves after 1000 steps).
    /// </summary>
    [Range(0.0, 1e6)]
    public double LearningRateDecay { get; set; } = 0.001;

    /// <summary>
    /// Local energies further than this many mean absolute deviations from the mean are clipped when computing
    /// the gradient (the reported energies are never clipped). Default 5.
    /// </summary>
    [Range(1e-6, 1e6)]
    public double ClipWidth { get; set; } = 5.0;

    /// <summary>The H2 bond length, in bohr. Default 1.4.</summary>
    [Range(1e-3, 100.0)]
    public double BondLength { get; set; } = 1.4;

    /// <summary>
    /// Removes the Jastrow factor (J = 1, so β is neither used nor optimised); He then has the known optimum
    /// α = 27/16, E = −2.84766. Default false.
    /// </summary>
    public bool FixJastrow { get; set; }

    /// <summary>Worker threads for the walkers; 0 uses every core. Results do not depend on it. Default 0.</summary>
    [Range(0, 4096)]
    public int Threads { get; set; }
}
