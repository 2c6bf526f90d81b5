using System.Threading.Channels;
using Jaqmc.Sinks;
using Microsoft.Extensions.Logging;

namespace Jaqmc.Service.Pipeline;

/// <summary>
/// Moves records from the pipeline's queue to every writer's own queue, in chunks shared by the writers, on a
/// thread of its own. It wakes at most once per <see cref="PipelineOptions.DispatchInterval"/>, so the training
/// loop never pays for a cross-thread wake-up on an ordinary record; a queue past its high-water mark, a flush
/// barrier, the end of a stage and stop cut the pause short.
/// </summary>
/// <remarks>
/// A thread, not the thread pool: the training's parallel sweep runs on the pool, and a pool worker woken for each
/// dispatch spins for more work afterwards, on a core the sweep needs.
/// </remarks>
internal sealed class Dispatcher
{
    private readonly RecordQueue _queue;
    private readonly DispatchSignal _signal;
    private readonly DropCounter _drops;
    private readonly PipelineOptions _options;
    private readonly ILogger _logger;
    private readonly Action<Exception> _onFault;
    private readonly Func<bool> _stillIdle;
    private readonly ChunkPool _chunks = new();
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationToken _abort;

    // Set by the stage's owner, read by the dispatcher thread.
    private StageWriters? _writers;

    // Set by a flush barrier's waiter, completed by the dispatcher thread.
    private ProgressWaiter? _waiter;

    // Set once by the dispatcher thread as it stops; read by everyone who must not wait for it any longer.
    private volatile Exception? _stopReason;

    public Dispatcher(RecordQueue queue, DispatchSignal signal, DropCounter drops, PipelineOptions options, ILogger logger, Action<Exception> onFault)
    {
        _queue = queue;
        _signal = signal;
        _drops = drops;
        _options = options;
        _logger = logger;
        _onFault = onFault;
        _stillIdle = StillIdle;
    }

    /// <summary>Completes when the dispatcher thread has stopped.</summary>
    public Task Completion => _stopped.Task;

    /// <summary>Why the dispatcher stopped, once it has.</summary>
    public Exception? StopReason => _stopReason;

    /// <summary>The writers records go to from now on (<see langword="null"/> between stages).</summary>
    public void Attach(StageWriters? writers) => Volatile.Write(ref _writers, writers);

    public void Start(CancellationToken abort)
    {
        _abort = abort;
        LinuxThreadScheduling.EnsureTimerThreadStarted();
        new Thread(() =>
        {
            try
            {
                LinuxThreadScheduling.TryLowerCurrentThread(_options.WriterThreadNice);
                Run();
            }
            catch (Exception e)
            {
                // Run reports its own failures; this is the last guard, so nothing escapes the thread.
                _onFault(new StatsPipelineException($"The statistics dispatcher failed: {e.Message}", e));
            }
            finally
            {
                _stopped.TrySetResult();
            }
        })
        { IsBackground = true, Name = "Stats dispatch" }.Start();
    }

    /// <summary>Ends the dispatcher's pause now.</summary>
    public void Wake() => _signal.Wake();

    /// <summary>Completes once every record up to sequence number <paramref name="target"/> is in the writers' queues.</summary>
    public async ValueTask WaitDispatchedAsync(long target, CancellationToken cancellationToken)
    {
        if (_queue.Dispatched >= target)
        {
            return;
        }

        // Full fences on both sides (here and in MoveWaiting): a plain store followed by a load may be reordered,
        // and then the waiter and the dispatcher could both miss each other.
        var waiter = new ProgressWaiter(target);
        Interlocked.Exchange(ref _waiter, waiter);
        _signal.Wake();
        if (_queue.Dispatched >= target)
        {
            waiter.Done.TrySetResult();
        }
        else if (_stopReason is { } stopped)
        {
            waiter.Done.TrySetException(new StatsPipelineException($"Records could not reach the writers: {stopped.Message}."));
        }

        try
        {
            await waiter.Done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.CompareExchange(ref _waiter, null, waiter);
        }
    }

    private void Run()
    {
        var reader = _queue.Reader;
        Exception? stopped = null;
        try
        {
            while (true)
            {
                var moved = MoveWaiting(reader);
                var lookAgain = RaiseWritersBehind();
                _drops.EndBurst();
                if (reader.Completion.IsCompleted)
                {
                    break;
                }

                // Nothing came during a whole pause (between stages, a stalled producer, steps slower than
                // DispatchInterval): block instead of polling; the next record wakes the dispatcher, which then
                // pauses to gather the ones after it. Steps faster than DispatchInterval always leave records
                // waiting, so such a training loop never pays for this wake-up.
                if (!moved && reader.Count == 0 && lookAgain is null && !Block(reader.WaitToReadAsync(_abort)))
                {
                    break;
                }

                _signal.Pause(lookAgain < _options.DispatchInterval ? lookAgain.Value : _options.DispatchInterval, _stillIdle, _abort);
            }
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested)
        {
            stopped = new StatsPipelineException($"the shutdown timeout ({_options.ShutdownTimeout}) expired");
        }
        catch (Exception e)
        {
            stopped = e;
            _onFault(new StatsPipelineException($"The statistics dispatcher failed: {e.Message}", e));
            PipelineLog.DispatcherFailed(_logger, e, e.Message);
        }
        finally
        {
            // Whatever waits on the dispatcher must learn that it has stopped, or the training loop would hang.
            _stopReason = stopped ?? new StatsPipelineException("the statistics pipeline has stopped");
            _queue.Complete();
            Volatile.Read(ref _waiter)?.Done.TrySetException(new StatsPipelineException($"Records could not reach the writers: {_stopReason.Message}."));
        }
    }

    /// <summary>
    /// Whether the pause should sleep: no unsatisfied flush barrier waits (a satisfied one clears itself a moment
    /// later, and skipping the pause for it would spin), the queue is below its high-water mark and still open.
    /// </summary>
    private bool StillIdle() =>
        (Volatile.Read(ref _waiter) is not { } waiter || _queue.Dispatched >= waiter.Target)
        && !_queue.PastHighWater
        && !_queue.Reader.Completion.IsCompleted;

    /// <summary>
    /// Puts every writer that has fallen behind back under normal scheduling (see <see cref="WriterThreadPriority"/>):
    /// a thread starved under <c>SCHED_IDLE</c> would not notice for itself, so the dispatcher looks after every
    /// pause, and sooner than its interval while an idle writer has records waiting.
    /// </summary>
    /// <returns>When to look again at the latest (null: no idle writer has records waiting).</returns>
    private TimeSpan? RaiseWritersBehind()
    {
        if (Volatile.Read(ref _writers) is not { } writers)
        {
            return null;
        }

        TimeSpan? soonest = null;
        for (var i = 0; i < writers.Pumps.Count; i++)
        {
            if (writers.Pumps[i].RaiseIfBehind() is { } left && (soonest is null || left < soonest))
            {
                soonest = left;
            }
        }

        return soonest;
    }

    /// <summary>Moves every waiting record to the writers, in chunks of at most the largest chunk size.</summary>
    /// <returns>Whether there was anything to move.</returns>
    private bool MoveWaiting(ChannelReader<QueuedRecord> reader)
    {
        var moved = false;
        while (true)
        {
            var waiting = reader.Count;
            if (waiting == 0)
            {
                return moved;
            }

            moved = true;
            var chunk = _chunks.Rent(waiting);
            long lastSeq = 0;
            while (chunk.Count < chunk.Items.Length && reader.TryRead(out var item))
            {
                chunk.Items[chunk.Count++] = item.Record;
                lastSeq = item.Seq;
            }

            FanOut(chunk);
            _queue.MarkDispatched(lastSeq);
            var waiter = Volatile.Read(ref _waiter);
            if (waiter is not null && lastSeq >= waiter.Target)
            {
                waiter.Done.TrySetResult();
            }
        }
    }

    private void FanOut(RecordChunk chunk)
    {
        var pumps = Volatile.Read(ref _writers)?.Pumps ?? [];
        chunk.Share(pumps.Count + 1);
        var reached = 0;
        try
        {
            for (; reached < pumps.Count; reached++)
            {
                if (!pumps[reached].Queue.TryEnqueue(chunk))
                {
                    // This writer's queue is full: wait for it (backpressure), the others keep their queues.
                    pumps[reached].Priority.Raise();
                    Block(pumps[reached].Queue.EnqueueAsync(chunk, _abort));
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Aborted mid fan-out: the writers not reached never got these records; count them as still queued.
            for (var i = reached; i < pumps.Count; i++)
            {
                pumps[i].CountAbandoned(chunk.Count);
                chunk.Release();
            }

            throw;
        }
        finally
        {
            chunk.Release();
        }
    }

    private static void Block(ValueTask wait)
    {
        if (!wait.IsCompletedSuccessfully)
        {
            wait.AsTask().GetAwaiter().GetResult();
        }
    }

    private static bool Block(ValueTask<bool> wait) =>
        wait.IsCompletedSuccessfully ? wait.Result : wait.AsTask().GetAwaiter().GetResult();

    private sealed class ProgressWaiter(long target)
    {
        public long Target { get; } = target;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
