using Jaqmc.Service.Spool;
using Jaqmc.Sinks.Hosting;
using Jaqmc.Sinks;
using Microsoft.Extensions.Logging;

namespace Jaqmc.Service.Pipeline;

/// <summary>The writers of one stage: created from the registrations, one <see cref="WriterPump"/> each.</summary>
internal sealed class StageWriters
{
    private readonly WriterPump[] _pumps;

    private StageWriters(WriterContext context, WriterPump[] pumps)
    {
        Context = context;
        _pumps = pumps;
    }

    public WriterContext Context { get; }

    public IReadOnlyList<WriterPump> Pumps => _pumps;

    /// <summary>Creates every enabled writer of <paramref name="context"/>'s stage and starts its pump; nothing leaks when one cannot be created.</summary>
    public static StageWriters Open(StageWriterSources sources, WriterContext context, CancellationToken abort)
    {
        var services = sources.Services;
        var created = new List<(StatsWriterRegistration Registration, WriterOptions Options, IStatsWriter Writer)>();
        try
        {
            foreach (var registration in sources.Registrations)
            {
                var options = registration.GetOptions(services);
                if (!options.Enabled)
                {
                    continue;
                }

                // A remote writer's pump writes to its spool; that is a local disk, retried as any file writer is.
                if (sources.Spools?.CreateWriter(registration) is { } spooling)
                {
                    created.Add((registration, SpoolPumpOptions(options), spooling));
                }
                else
                {
                    created.Add((registration, options, registration.Create(services)));
                }
            }
        }
        catch
        {
            foreach (var (_, _, writer) in created)
            {
                _ = writer.DisposeAsync().AsTask();
            }

            throw;
        }

        var pumps = created
            .Select(c => new WriterPump(
                c.Registration.Name,
                c.Writer,
                c.Options,
                context,
                sources.Metrics,
                sources.LoggerFactory.CreateLogger($"Jaqmc.Writers.{c.Registration.Name}"),
                sources.Time,
                sources.OnFault,
                sources.Scheduling))
            .ToArray();
        foreach (var pump in pumps)
        {
            pump.Start(abort);
        }

        return new StageWriters(context, pumps);
    }

    private static WriterOptions SpoolPumpOptions(WriterOptions remote) => new()
    {
        QueueCapacity = remote.QueueCapacity,
        MaxBatchSize = remote.MaxBatchSize,
        FlushInterval = remote.FlushInterval,
    };

    /// <summary>Completes once every writer has written and flushed everything queued before this call.</summary>
    public Task FlushAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(_pumps.Select(p => p.FlushAsync(cancellationToken)));

    /// <summary>Drains every queue, then closes each writer with <paramref name="outcome"/>.</summary>
    public async Task CloseAsync(StageOutcome outcome, CancellationToken cancellationToken)
    {
        foreach (var pump in _pumps)
        {
            pump.Complete(outcome);
        }

        await Task.WhenAll(_pumps.Select(p => p.Completion)).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The shutdown deadline passed: the pumps stop (their token is cancelled); waits a moment for them.</summary>
    public async Task AbortAsync(Task dispatcher)
    {
        foreach (var pump in _pumps)
        {
            pump.Complete(StageOutcome.Interrupted);
        }

        await Task.WhenAll(_pumps.Select(p => p.Completion).Append(dispatcher)).WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None)
            .ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
    }
}
