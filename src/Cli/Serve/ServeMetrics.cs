using System.Diagnostics.Metrics;

namespace Jaqmc.Cli.Serve;

/// <summary>
/// Meter <c>Jaqmc.Serve</c>, tagged per stream with <c>run</c> and <c>stage</c>: records written, resent records
/// skipped as already durable, batches rejected, acknowledgement latency, and the open streams.
/// </summary>
internal sealed class ServeMetrics
{
    public const string MeterName = "Jaqmc.Serve";

    private readonly Counter<long> _records;
    private readonly Counter<long> _skipped;
    private readonly Counter<long> _rejected;
    private readonly Histogram<double> _ackLatency;

    public ServeMetrics(IMeterFactory meterFactory, Func<int> openStreams)
    {
        var meter = meterFactory.Create(MeterName);
        _records = meter.CreateCounter<long>("jaqmc.serve.records", "{record}", "Records written and acknowledged.");
        _skipped = meter.CreateCounter<long>("jaqmc.serve.records_skipped", "{record}", "Records sent again after a lost acknowledgement, skipped because they were already durable.");
        _rejected = meter.CreateCounter<long>("jaqmc.serve.requests_rejected", "{request}", "Requests answered with a 4xx or 5xx; nothing of them was written.");
        _ackLatency = meter.CreateHistogram<double>("jaqmc.serve.ack_latency", "ms", "From a batch's arrival to its acknowledgement (written and flushed by every writer).");
        meter.CreateObservableGauge("jaqmc.serve.streams", openStreams, "{stream}", "Streams open.");
    }

    public void Written(long records, TimeSpan latency, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        _records.Add(records, tags);
        _ackLatency.Record(latency.TotalMilliseconds, tags);
    }

    public void Skipped(long records, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (records > 0)
        {
            _skipped.Add(records, tags);
        }
    }

    public void Rejected(int statusCode) => _rejected.Add(1, new KeyValuePair<string, object?>("status", statusCode));
}
