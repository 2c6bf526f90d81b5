using Jaqmc.Sinks;

namespace Jaqmc.Benchmarks.RemoteProtocols;

/// <summary>One protocol's client side of a stream, as <c>remote-protocols</c> drives it: open, send batches, close.</summary>
internal interface IBatchSender : IAsyncDisposable
{
    /// <summary>How many batches may await their acknowledgement at once (HTTP/JSON: one request after another).</summary>
    int Window { get; }

    Task OpenAsync(string run, string stage, long initialStep);

    /// <summary>
    /// Encodes and sends records [start, start + count). Completes once the batch is handed to the connection, with
    /// the task of its acknowledgement (the durable step); the next batch may be sent while it is in flight.
    /// </summary>
    Task<Task<long>> SendAsync(StatsKeys keys, IReadOnlyList<StatsRecord> records, int start, int count);

    /// <summary>Closes the stream as completed once every batch is acknowledged.</summary>
    Task CloseAsync();
}
