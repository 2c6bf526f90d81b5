namespace Jaqmc.Training;

/// <summary>The stages a run goes through, in order.</summary>
internal enum StageKind
{
    /// <summary>Optimises the parameters (stage name <c>train</c>).</summary>
    Train,

    /// <summary>Samples with fixed parameters and accumulates the energy (stage name <c>evaluation</c>).</summary>
    Evaluation,
}
