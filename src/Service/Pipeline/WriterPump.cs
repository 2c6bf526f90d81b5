using System.Diagnostics;
using System.Threading.Channels;
using Jaqmc.Sinks;
using Microsoft.Extensions.Logging;

namespace Jaqmc.Service.Pipeline;

/// <summary>
/// Drains one writer's <see cref="WriterQueue"/> on the writer's own thread for one stage: opens the writer, batches
/// whatever is waiting, writes it through the <see cref="WriterRetryPolicy"/>, flushes on request and at least every
/// <see cref="WriterOptions.FlushInterval"/>, and closes the writer at the end of the stage. A slow, blocked or
/// failing writer stalls only its own queue (until that is full: then the dispatcher waits for it, and
/// backpressure reaches the producer).
/// </summary>
internal sealed class WriterPump
{
    private readonly IStatsWriter _writer;
    private readonly WriterOptions _options;
    private readonly WriterContext _context;
    private readonly PipelineMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Action<WriterPump> _onFault;
    private readonly WriterRetryPolicy _retry;
    private readonly KeyValuePair<string, object?> _tag;
    private readonly int _behindRecords;
    private readonly TimeSpan _behindAge;
    private readonly Func<bool> _nothingQueued;

    // Set by the stage's owner before it completes the queue; read by the pump thread after the queue completes.
    private StageOutcome _outcome = StageOutcome.Completed;

    // The pump thread's own state.
    private long _dirtySince;

    // Counted by the pump thread (and the dispatcher, for abandoned records); read by anyone.
    private long _written;
    private long _failed;
    private long _abandoned;

    public WriterPump(string name, IStatsWriter writer, WriterOptions options, WriterContext context, PipelineMetrics metrics, ILogger logger, TimeProvider time, Action<WriterPump> onFault, WriterThreadScheduling? scheduling = null)
    {
        Name = name;
        _writer = writer;
        _options = options;
        _context = context;
        _metrics = metrics;
        _logger = logger;
        _time = time;
        _onFault = onFault;
        _tag = new("writer", name);
        Queue = new WriterQueue(name, options.QueueCapacity, time);
        Priority = (scheduling ?? WriterThreadScheduling.Unchanged).CreatePriority();
        _behindRecords = Math.Max(1, options.QueueCapacity / 4);
        _behindAge = options.FlushInterval / 2;
        _nothingQueued = () => !Queue.Reader.TryPeek(out _) && !Queue.IsCompleted;
        _retry = new WriterRetryPolicy(name, options.Retry, metrics, logger, time, () => Queue.Count);
    }

    public string Name { get; }

    public WriterQueue Queue { get; }

    /// <summary>The scheduling of the pump's thread.</summary>
    public WriterThreadPriority Priority { get; }

    public Task Completion { get; private set; } = Task.CompletedTask;

    public long Written => Interlocked.Read(ref _written);

    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Records the dispatcher could not hand to this writer because the shutdown deadline passed.</summary>
    public long Abandoned => Interlocked.Read(ref _abandoned);

    /// <summary>The error that stopped this writer; once set, the writer accepts and discards (counting) records.</summary>
    public Exception? Fault { get; private set; }

    /// <summary>Starts draining on the pump's own thread (see <see cref="DedicatedThreadContext"/>), which ends with the stage.</summary>
    public void Start(CancellationToken abort) => Completion = RunOnOwnThreadAsync(abort);

    /// <summary>Completes once everything queued before this call is written and flushed.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!Queue.TryEnqueueFlush(done))
        {
            throw new StatsPipelineException($"Writer '{Name}' no longer accepts a flush: its stage has ended.");
        }

        Priority.Raise();

        await done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Raises the pump's thread (see <see cref="WriterThreadPriority"/>) when its writer has fallen behind: a quarter
    /// of its queue in use, or records waiting longer than half its flush interval.
    /// </summary>
    /// <returns>
    /// How soon the writer falls behind if it does not run, so the dispatcher looks again by then; null when its
    /// thread is not idle or nothing waits.
    /// </returns>
    public TimeSpan? RaiseIfBehind()
    {
        if (!Priority.IsIdle || Queue.Count == 0)
        {
            return null;
        }

        var left = _behindAge - Queue.Waiting;
        if (Queue.Count >= _behindRecords || left <= TimeSpan.Zero)
        {
            Priority.Raise();
            return null;
        }

        return left;
    }

    public void CountAbandoned(int count) => Interlocked.Add(ref _abandoned, count);

    /// <summary>No more records for this stage: drain, flush and close with <paramref name="outcome"/>.</summary>
    public void Complete(StageOutcome outcome)
    {
        _outcome = outcome;
        Queue.Complete();
        Priority.Raise();
    }

    private async Task RunOnOwnThreadAsync(CancellationToken abort)
    {
        var thread = new DedicatedThreadContext("Writer " + Name, Priority);
        try
        {
            await thread.RunAsync(() => RunAsync(abort)).ConfigureAwait(false);
        }
        finally
        {
            thread.Complete();
        }
    }

    /// <remarks>Runs on the pump's own thread: every await here comes back to it (<c>ConfigureAwait(true)</c>).</remarks>
    private async Task RunAsync(CancellationToken abort)
    {
        var batch = new PumpBatch(_options.MaxBatchSize, Queue);
        TaskCompletionSource? barrier = null;
        try
        {
            await _retry.ExecuteAsync("open", ct => _writer.OpenAsync(_context, ct), abort).ConfigureAwait(true);
            var dirty = false;
            while (true)
            {
                if (!batch.HasCarry && !Queue.Reader.TryPeek(out _))
                {
                    // Caught up: back to taking only idle CPU, if something had raised the thread.
                    Priority.LowerIfIdle(_nothingQueued);
                    var more = dirty
                        ? await WaitOrFlushIntervalAsync(Queue.Reader, abort).ConfigureAwait(true)
                        : await Queue.Reader.WaitToReadAsync(abort).ConfigureAwait(true);
                    if (more is null)
                    {
                        await FlushWriterAsync(abort).ConfigureAwait(true);
                        dirty = false;
                        continue;
                    }

                    if (more == false)
                    {
                        break;
                    }
                }

                while (batch.Fill(Queue.Reader) is { } flush)
                {
                    // A flush barrier: everything before it must be written and flushed first. Held in a local so
                    // a failure below still completes it (with the error) instead of leaving the producer waiting.
                    barrier = flush;
                    await WriteBatchAsync(batch, abort).ConfigureAwait(true);
                    await FlushWriterAsync(abort).ConfigureAwait(true);
                    dirty = false;
                    barrier.TrySetResult();
                    barrier = null;
                }

                if (batch.Records.Count > 0)
                {
                    await WriteBatchAsync(batch, abort).ConfigureAwait(true);
                    if (!dirty)
                    {
                        dirty = true;
                        _dirtySince = _time.GetTimestamp();
                    }
                }

                // FlushInterval bounds how long a written record may stay unflushed, even while records keep coming.
                if (dirty && _time.GetElapsedTime(_dirtySince) >= _options.FlushInterval)
                {
                    await FlushWriterAsync(abort).ConfigureAwait(true);
                    dirty = false;
                }
            }

            await _retry.ExecuteAsync("close", ct => _writer.CloseAsync(_outcome, ct), abort).ConfigureAwait(true);
        }
        catch (Exception e)
        {
            await FailAsync(e, batch, barrier, abort).ConfigureAwait(true);
        }
        finally
        {
            try
            {
                await _writer.DisposeAsync().ConfigureAwait(true);
            }
            catch (Exception e)
            {
                PipelineLog.WriterDisposeFailed(_logger, e, Name);
            }
        }
    }

    /// <summary>
    /// The writer has stopped: report it, count what it did not write, and keep accepting (and counting) records so
    /// the dispatcher and the other writers are never blocked, until the stage ends or the shutdown deadline passes.
    /// </summary>
    private async Task FailAsync(Exception e, PumpBatch batch, TaskCompletionSource? barrier, CancellationToken abort)
    {
        Fault = e;
        _onFault(this);
        var failure = new StatsPipelineException($"Writer '{Name}' failed: {e.Message}", e);
        barrier?.TrySetException(failure);
        var lost = batch.Abandon() + Queue.Discard(failure);
        AddFailed(lost);
        if (e is OperationCanceledException && abort.IsCancellationRequested)
        {
            PipelineLog.WriterAborted(_logger, Name, lost);
        }
        else
        {
            PipelineLog.WriterFailed(_logger, e, Name, _context.Stage, e.Message, lost);
        }

        try
        {
            await foreach (var item in Queue.Reader.ReadAllAsync(abort).ConfigureAwait(true))
            {
                AddFailed(Queue.Discard(item, failure));
            }
        }
        catch (OperationCanceledException)
        {
            AddFailed(Queue.Discard(failure));
        }
    }

    /// <returns>true when records wait, false when the queue is complete, null when FlushInterval passed idle.</returns>
    private async ValueTask<bool?> WaitOrFlushIntervalAsync(ChannelReader<WriterQueueItem> reader, CancellationToken abort)
    {
        // Idle with unflushed records: flush when FlushInterval passes without new records.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(abort);
        var remaining = _options.FlushInterval - _time.GetElapsedTime(_dirtySince);
        timeout.CancelAfter(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
        try
        {
            return await reader.WaitToReadAsync(timeout.Token).ConfigureAwait(true);
        }
        catch (OperationCanceledException) when (!abort.IsCancellationRequested)
        {
            return null;
        }
    }

    private ValueTask FlushWriterAsync(CancellationToken abort) => _retry.ExecuteAsync("flush", ct => _writer.FlushAsync(ct), abort);

    private async ValueTask WriteBatchAsync(PumpBatch batch, CancellationToken abort)
    {
        var records = batch.Records;
        if (records.Count == 0)
        {
            return;
        }

        var started = Stopwatch.GetTimestamp();
        await _retry.ExecuteAsync("write", ct => _writer.WriteAsync(records, ct), abort).ConfigureAwait(true);
        _metrics.BatchDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, _tag);
        _metrics.Written.Add(records.Count, _tag);
        Interlocked.Add(ref _written, records.Count);
        records.Clear();
    }

    private void AddFailed(long count)
    {
        if (count == 0)
        {
            return;
        }

        Interlocked.Add(ref _failed, count);
        _metrics.Failed.Add(count, _tag);
    }
}
