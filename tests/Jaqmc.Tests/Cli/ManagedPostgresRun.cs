namespace Jaqmc.Tests.Cli;

/// <summary>The run <see cref="CliPostgresTests"/> reads: trained by the managed build, 50 + 20 steps.</summary>
public sealed class ManagedPostgresRun() : PostgresTrainedRun(
    "cli-he", native: false, "--Training:Iterations=50", "--Evaluation:Iterations=20", "--Training:Walkers=256");
