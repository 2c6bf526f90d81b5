using Jaqmc.Training;
using Jaqmc.Training.Systems;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jaqmc.Tests.Training;

/// <summary>A temporary run directory and helpers to build small, fast trainers.</summary>
internal sealed class TrainingTestContext : IDisposable
{
    public TrainingTestContext()
    {
        Directory = Path.Combine(Path.GetTempPath(), "jaqmc-tests", "training", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Directory { get; }

    /// <summary>Small defaults so a test runs in seconds; tests override what they exercise.</summary>
    public static TrainingOptions SmallOptions(TrainingSystem system = TrainingSystem.He) => new()
    {
        System = system,
        Iterations = 60,
        Walkers = 256,
        McmcSteps = 5,
        CheckpointEvery = 20,
        KeepCheckpoints = 3,
        Threads = 1,
        Seed = 7,
    };

    public static VmcTrainer Trainer(
        TrainingOptions options,
        int evaluationIterations = 20,
        ILogger<VmcTrainer>? logger = null,
        Func<TrainingOptions, IWavefunctionSystem>? systemFactory = null) =>
        new(options, new EvaluationOptions { Iterations = evaluationIterations }, logger ?? NullLogger<VmcTrainer>.Instance,
            systemFactory ?? WavefunctionSystemFactory.Create);

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp directory does not affect results.
        }
    }
}
