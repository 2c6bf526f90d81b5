using System.Threading.Channels;
using Jaqmc.Sinks;

namespace Jaqmc.Service.Pipeline;

/// <summary>
/// The bounded queue between the training loop and the dispatcher, and the sequence numbers both sides publish:
/// the last record accepted (written by the producer) and the last record handed to the writers (written by the
/// dispatcher). A flush barrier waits until the second reaches the first.
/// </summary>
internal sealed class RecordQueue
{
    /// <summary>The largest high-water mark: a full chunk's worth of records wakes the dispatcher.</summary>
    private const int MaxHighWater = 512;

    private readonly Channel<QueuedRecord> _channel;
    private readonly DispatchSignal _signal;

    /// <summary>Records waiting that wake a pausing dispatcher: a quarter of the capacity, at most a full chunk.</summary>
    private readonly long _highWater;

    // Written by the producer only.
    private long _enqueuedSeq;

    // Written by the dispatcher only.
    private long _dispatchedSeq;

    public RecordQueue(PipelineOptions options, DispatchSignal signal, DropCounter drops)
    {
        _signal = signal;
        _highWater = Math.Clamp(options.Capacity / 4, 1, MaxHighWater);
        var channelOptions = new BoundedChannelOptions(options.Capacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = options.FullMode switch
            {
                PipelineFullMode.DropOldest => BoundedChannelFullMode.DropOldest,
                PipelineFullMode.DropNewest => BoundedChannelFullMode.DropNewest,
                _ => BoundedChannelFullMode.Wait,
            },
        };
        _channel = Channel.CreateBounded<QueuedRecord>(channelOptions, item => drops.OnDropped(item.Record.Step));
    }

    public ChannelReader<QueuedRecord> Reader => _channel.Reader;

    /// <summary>The sequence number of the last record accepted.</summary>
    public long Enqueued => Volatile.Read(ref _enqueuedSeq);

    /// <summary>The sequence number of the last record handed to the writers.</summary>
    public long Dispatched => Volatile.Read(ref _dispatchedSeq);

    /// <summary>Records in the queue now.</summary>
    public int Count => _channel.Reader.Count;

    /// <summary>Whether so many records wait that a pausing dispatcher should move them now.</summary>
    public bool PastHighWater => Volatile.Read(ref _enqueuedSeq) - Volatile.Read(ref _dispatchedSeq) >= _highWater;

    /// <summary>The producer's fast path: takes the record if there is room (always, under a drop full mode).</summary>
    public bool TryWrite(in StatsRecord record)
    {
        var item = new QueuedRecord(_enqueuedSeq + 1, record);
        if (!_channel.Writer.TryWrite(item))
        {
            return false;
        }

        Volatile.Write(ref _enqueuedSeq, item.Seq);
        if (_enqueuedSeq - Volatile.Read(ref _dispatchedSeq) >= _highWater)
        {
            // A full fence between publishing the count and looking for the dispatcher's pause (which it arms
            // before reading the count): otherwise both sides can miss each other. Only past the high-water mark.
            Interlocked.MemoryBarrier();
            _signal.Wake();
        }

        return true;
    }

    /// <summary>The producer's slow path under <see cref="PipelineFullMode.Wait"/>: waits for room.</summary>
    /// <exception cref="ChannelClosedException">The pipeline stopped while waiting.</exception>
    public async ValueTask WriteAsync(StatsRecord record, CancellationToken cancellationToken)
    {
        var item = new QueuedRecord(_enqueuedSeq + 1, record);
        _signal.Wake();
        await _channel.Writer.WriteAsync(item, cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _enqueuedSeq, item.Seq);
    }

    /// <summary>Publishes the dispatcher's progress (a full fence: see <see cref="Dispatcher.WaitDispatchedAsync"/>).</summary>
    public void MarkDispatched(long seq) => Interlocked.Exchange(ref _dispatchedSeq, seq);

    /// <summary>No more records: the dispatcher moves what is left and stops.</summary>
    public void Complete() => _channel.Writer.TryComplete();
}
