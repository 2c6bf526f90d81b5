using Jaqmc.Service.Spool;
using Jaqmc.Sinks.Hosting;
using Microsoft.Extensions.Logging;

namespace Jaqmc.Service.Pipeline;

/// <summary>What every stage's writers are made from: the same for all stages of one pipeline (see <see cref="StageWriters.Open"/>).</summary>
/// <param name="Registrations">The registered writers; the enabled ones are created.</param>
/// <param name="Services">Resolves each writer and its options.</param>
/// <param name="Metrics">The pipeline's counters.</param>
/// <param name="LoggerFactory">Gives each writer its <c>Jaqmc.Writers.{name}</c> logger.</param>
/// <param name="Time">The clock of the pumps' flush intervals and retries.</param>
/// <param name="OnFault">Told when a pump's writer stops on an error.</param>
/// <param name="Scheduling">How the writers' threads are scheduled (<c>Pipeline:WriterThreadNice</c>, <c>Pipeline:IdleWriterThreads</c>).</param>
/// <param name="Spools">The remote writers' spools, or null when none is used: a spooled writer's pump writes to its spool.</param>
internal sealed record StageWriterSources(
    IReadOnlyList<StatsWriterRegistration> Registrations,
    IServiceProvider Services,
    PipelineMetrics Metrics,
    ILoggerFactory LoggerFactory,
    TimeProvider Time,
    Action<WriterPump> OnFault,
    WriterThreadScheduling Scheduling,
    RemoteSpools? Spools);
