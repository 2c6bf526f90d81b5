namespace Jaqmc.Training;

/// <summary>The physical systems the trainer knows (the value of <c>Training:System</c>).</summary>
public enum TrainingSystem
{
    /// <summary>The hydrogen atom, ψ = exp(−α r).</summary>
    H,

    /// <summary>The helium atom, ψ = exp(−α (r1 + r2)) × Padé–Jastrow.</summary>
    He,

    /// <summary>The hydrogen molecule at <see cref="TrainingOptions.BondLength"/>: bonding orbitals × Padé–Jastrow.</summary>
    H2,
}
