using Jaqmc.Training.Sampling;

namespace Jaqmc.Training;

/// <summary>
/// Everything that determines the rest of a stage: a checkpoint is exactly this, so a resumed run continues
/// bit for bit. (Derived quantities such as ln ψ of the walkers are recomputed at every step, never stored.)
/// </summary>
internal sealed class VmcState
{
    /// <summary>Creates a state of the given shape, zero-filled.</summary>
    public VmcState(string systemName, int walkers, int coordinates, int parameters, int blocks)
    {
        SystemName = systemName;
        Walkers = walkers;
        Coordinates = coordinates;
        Parameters = new double[parameters];
        AdamFirstMoment = new double[parameters];
        AdamSecondMoment = new double[parameters];
        Positions = new double[checked(walkers * coordinates)];
        Generators = new Xoshiro256StarStar[blocks];
    }

    /// <summary>The system's name (a checkpoint of another system is refused).</summary>
    public string SystemName { get; }

    /// <summary>The number of walkers.</summary>
    public int Walkers { get; }

    /// <summary>Coordinates per walker.</summary>
    public int Coordinates { get; }

    /// <summary>The last completed step of the stage; −1 before the first.</summary>
    public long Step { get; set; } = -1;

    /// <summary>The variational parameters.</summary>
    public double[] Parameters { get; }

    /// <summary>Adam's first moment.</summary>
    public double[] AdamFirstMoment { get; }

    /// <summary>Adam's second moment.</summary>
    public double[] AdamSecondMoment { get; }

    /// <summary>Adam's number of updates so far (for its bias correction).</summary>
    public long AdamStepCount { get; set; }

    /// <summary>Walker coordinates, <see cref="Coordinates"/> per walker.</summary>
    public double[] Positions { get; }

    /// <summary>One random stream per walker block.</summary>
    public Xoshiro256StarStar[] Generators { get; }

    /// <summary>The Gaussian proposal's standard deviation, in bohr.</summary>
    public double ProposalWidth { get; set; }

    /// <summary>The sum of pmove over the current adaptation window.</summary>
    public double PmoveWindowSum { get; set; }

    /// <summary>The number of steps in the current adaptation window.</summary>
    public int PmoveWindowCount { get; set; }

    /// <summary>The evaluation stage's per-step mean energies (empty in training), for the final blocking analysis.</summary>
    public List<double> EnergySeries { get; } = [];
}
