using System.Diagnostics.Metrics;

namespace Jaqmc.Service.Pipeline;

/// <summary>The pipeline's instruments on meter <c>Jaqmc.Writers</c> (observe with <c>dotnet-counters monitor -n jaqmc --counters Jaqmc.Writers</c>).</summary>
internal sealed class PipelineMetrics
{
    public const string MeterName = "Jaqmc.Writers";

    public PipelineMetrics(IMeterFactory meterFactory)
    {
        Meter = meterFactory.Create(MeterName);
        Written = Meter.CreateCounter<long>("jaqmc.writer.records.written", "{record}", "Records written by a writer.");
        Dropped = Meter.CreateCounter<long>("jaqmc.writer.records.dropped", "{record}", "Records dropped because the queue was full (FullMode DropOldest/DropNewest).");
        Failed = Meter.CreateCounter<long>("jaqmc.writer.records.failed", "{record}", "Records a writer could not write after its retries.");
        WriteFailures = Meter.CreateCounter<long>("jaqmc.writer.write.failures", "{failure}", "Failed writer calls (each retry counts).");
        BatchDuration = Meter.CreateHistogram<double>("jaqmc.writer.batch.duration", "ms", "Time to write one batch.");
        Uploaded = Meter.CreateCounter<long>("jaqmc.spool.records.uploaded", "{record}", "Records a remote writer's uploader committed from its spool.");
    }

    /// <summary>The meter; the pipeline adds its observable instruments (records enqueued, queue depth) to it.</summary>
    public Meter Meter { get; }

    public Counter<long> Written { get; }

    public Counter<long> Dropped { get; }

    public Counter<long> Failed { get; }

    public Counter<long> WriteFailures { get; }

    public Histogram<double> BatchDuration { get; }

    public Counter<long> Uploaded { get; }

    /// <summary>Adds the spools' gauges: bytes on disk, records not yet uploaded, and the wait of the oldest of them.</summary>
    public void ObserveSpools(Func<IEnumerable<Jaqmc.Service.Spool.Spool>> spools)
    {
        Meter.CreateObservableGauge("jaqmc.spool.bytes", () => spools().Select(s => new Measurement<long>(s.Bytes, new KeyValuePair<string, object?>("writer", s.Name))), "By", "Bytes of a remote writer's spool segments on disk.");
        Meter.CreateObservableGauge("jaqmc.spool.backlog", () => spools().Select(s => new Measurement<long>(s.Backlog, new KeyValuePair<string, object?>("writer", s.Name))), "{record}", "Records in a remote writer's spool not yet uploaded.");
        Meter.CreateObservableGauge("jaqmc.spool.upload.lag", () => spools().Select(s => new Measurement<double>(s.Lag.TotalSeconds, new KeyValuePair<string, object?>("writer", s.Name))), "s", "How long the oldest record not yet uploaded has waited in the spool.");
    }

    /// <summary>
    /// Adds the instruments read when a listener asks: records enqueued (observed rather than counted per record, so
    /// the training loop's hand-over stays a field increment) and the depth of every queue.
    /// </summary>
    public void Observe(RecordQueue queue, Func<StageWriters?> writers)
    {
        Meter.CreateObservableCounter("jaqmc.writer.records.enqueued", () => queue.Enqueued, "{record}", "Records handed over by the training loop.");
        Meter.CreateObservableGauge("jaqmc.writer.queue.depth", () => QueueDepths(queue, writers()), "{record}", "Records waiting in the pipeline's queue and in each writer's queue.");
    }

    private static IEnumerable<Measurement<int>> QueueDepths(RecordQueue queue, StageWriters? writers)
    {
        yield return new(queue.Count, new KeyValuePair<string, object?>("queue", "pipeline"));
        foreach (var pump in writers?.Pumps ?? [])
        {
            yield return new(pump.Queue.Count, new KeyValuePair<string, object?>("queue", pump.Name));
        }
    }
}
