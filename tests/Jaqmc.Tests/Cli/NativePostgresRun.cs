namespace Jaqmc.Tests.Cli;

/// <summary>The run <see cref="NativeBuildTests"/> reads: trained by the native build, 60 + 20 steps.</summary>
public sealed class NativePostgresRun() : PostgresTrainedRun(
    "native-he", native: true, "--Training:Iterations=60", "--Evaluation:Iterations=20", "--Training:Walkers=256");
