using Jaqmc.Sinks;
using Jaqmc.Training;

namespace Jaqmc.Cli.Hosting;

/// <summary>The producer the service runs: it records its statistics into the pipeline and returns an exit code.</summary>
public interface ITrainingJob
{
    /// <summary>Runs until done or until <paramref name="stoppingToken"/> asks it to stop at a step boundary.</summary>
    /// <returns>The process exit code (see <see cref="ExitCodes"/>).</returns>
    Task<int> RunAsync(IStatsRecorder recorder, CancellationToken stoppingToken);
}
