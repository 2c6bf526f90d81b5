using System.Threading.Channels;

namespace Jaqmc.Service.Pipeline;

/// <summary>
/// One writer's queue: chunks of records (shared, read-only, with the other writers) and flush barriers, in order.
/// Bounded in records, not in chunks, so <see cref="Jaqmc.Sinks.WriterOptions.QueueCapacity"/> means what it says
/// whatever the chunk sizes; one queue operation per chunk, not per record.
/// </summary>
internal sealed class WriterQueue(string writer, int capacity, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    private readonly Channel<WriterQueueItem> _channel =
        Channel.CreateUnbounded<WriterQueueItem>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });

    // Added to by the dispatcher, taken from by the pump.
    private int _queuedRecords;

    // Published by the dispatcher when it waits for room, completed by the pump when it makes some.
    private TaskCompletionSource? _spaceWaiter;

    // Written by the dispatcher when it queues into an empty queue; read by anyone.
    private long _queuedSince;

    // Set once by the stage's owner.
    private volatile bool _completed;

    public ChannelReader<WriterQueueItem> Reader => _channel.Reader;

    /// <summary>Records queued now.</summary>
    public int Count => Volatile.Read(ref _queuedRecords);

    /// <summary>Whether the stage's owner has said no more items will come.</summary>
    public bool IsCompleted => _completed;

    /// <summary>
    /// How long records have been waiting, at most: since the dispatcher last queued into an empty queue
    /// (<see cref="TimeSpan.Zero"/> when none wait). An over-estimate once the pump has taken the oldest.
    /// </summary>
    public TimeSpan Waiting => Count == 0 ? TimeSpan.Zero : _time.GetElapsedTime(Volatile.Read(ref _queuedSince));

    /// <summary>
    /// Queues a chunk when there is room for it; an empty queue always takes a chunk, so an oversized one cannot
    /// block forever.
    /// </summary>
    /// <exception cref="InvalidOperationException">The queue was completed (the stage has ended).</exception>
    public bool TryEnqueue(RecordChunk chunk)
    {
        var queued = Volatile.Read(ref _queuedRecords);
        if (queued > 0 && queued + chunk.Count > capacity)
        {
            return false;
        }

        if (queued == 0)
        {
            Volatile.Write(ref _queuedSince, _time.GetTimestamp());
        }

        Interlocked.Add(ref _queuedRecords, chunk.Count);
        if (!_channel.Writer.TryWrite(new WriterQueueItem(chunk, null)))
        {
            Interlocked.Add(ref _queuedRecords, -chunk.Count);
            throw new InvalidOperationException($"Writer '{writer}' no longer accepts records: its stage has ended.");
        }

        return true;
    }

    /// <summary>Queues a chunk, waiting for room (this is where backpressure starts).</summary>
    public async ValueTask EnqueueAsync(RecordChunk chunk, CancellationToken cancellationToken)
    {
        while (!TryEnqueue(chunk))
        {
            var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Interlocked.Exchange(ref _spaceWaiter, waiter);

            // Re-check after publishing the waiter: the pump may have made room in between.
            if (TryEnqueue(chunk))
            {
                return;
            }

            await waiter.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Queues a flush barrier behind everything queued so far.</summary>
    /// <returns>False when the queue was completed.</returns>
    public bool TryEnqueueFlush(TaskCompletionSource done) => _channel.Writer.TryWrite(new WriterQueueItem(null, done));

    /// <summary>The pump is done with a chunk: its records leave the queue's count.</summary>
    public void Release(RecordChunk chunk)
    {
        Interlocked.Add(ref _queuedRecords, -chunk.Count);
        chunk.Release();
        Interlocked.Exchange(ref _spaceWaiter, null)?.TrySetResult();
    }

    /// <summary>Takes everything queued now: flush barriers fail with <paramref name="error"/>, chunks are released.</summary>
    /// <returns>The records discarded.</returns>
    public int Discard(Exception error)
    {
        var count = 0;
        while (_channel.Reader.TryRead(out var item))
        {
            count += Discard(item, error);
        }

        return count;
    }

    /// <summary>Discards one item taken from the queue.</summary>
    /// <returns>The records discarded.</returns>
    public int Discard(WriterQueueItem item, Exception error)
    {
        if (item.Flush is not null)
        {
            item.Flush.TrySetException(error);
            return 0;
        }

        var count = item.Records!.Count;
        Release(item.Records);
        return count;
    }

    /// <summary>No more items: the pump drains what is queued, then closes its writer.</summary>
    public void Complete()
    {
        _completed = true;
        _channel.Writer.TryComplete();
    }
}
