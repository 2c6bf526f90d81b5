using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Jaqmc.Cli.Hosting;

/// <summary>Says once, at start, that the HDF5 writer is off because its library is missing (see <see cref="Hdf5WriterSwitch"/>).</summary>
internal sealed partial class Hdf5OffNotice : IHostedService
{
    private readonly string _problem;
    private readonly ILogger _logger;

    public Hdf5OffNotice(string problem, ILoggerFactory loggers)
    {
        _problem = problem;

        // The category of the writer's own messages.
        _logger = loggers.CreateLogger("Jaqmc.Writers.Hdf5");
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        LogOff(_problem);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "HDF5 writer off, no *_stats.h5 files (the other writers go on): {Problem} Set Writers:Hdf5:Enabled=false to hide this warning.")]
    private partial void LogOff(string problem);
}
