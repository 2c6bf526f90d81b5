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
    }

    /// <summary>The meter; the pipeline adds its observable instruments (records enqueued, queue depth) to it.</summary>
    public Meter Meter { get; }

    public Counter<long> Written { get; }

    public Counter<long> Dropped { get; }

    public Counter<long> Failed { get; }

    public Counter<long> WriteFailures { get; }

    public Histogram<double> BatchDuration { get; }

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
