namespace Jaqmc.Training.Systems;

/// <summary>Creates the system named by <see cref="TrainingOptions.System"/>.</summary>
internal static class WavefunctionSystemFactory
{
    /// <summary>Creates the configured system.</summary>
    public static IWavefunctionSystem Create(TrainingOptions options) => options.System switch
    {
        TrainingSystem.H => new HydrogenAtom(),
        TrainingSystem.He => new HeliumAtom(jastrow: !options.FixJastrow),
        TrainingSystem.H2 => new HydrogenMolecule(options.BondLength, jastrow: !options.FixJastrow),
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.System, "Unknown system."),
    };
}
