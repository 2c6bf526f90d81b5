using System.Diagnostics;
using System.Threading.Channels;
using Jaqmc.Sinks;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace Jaqmc.Service.Pipeline;

/// <summary>
/// One writer's own queue and the task that drains it, on the writer's own thread: batches whatever is waiting,
/// writes it with retries, flushes on request and at least every <see cref="WriterOptions.FlushInterval"/>, and
/// closes the writer at the end of the stage. A slow, blocked or failing writer stalls only its own queue (until
/// that is full: then the dispatcher waits for it, and backpressure reaches the producer).
/// </summary>
internal sealed class WriterPump
{
    private readonly string _name;
    private readonly IStatsWriter _writer;
    private readonly WriterOptions _options;
    private readonly WriterContext _context;
    private readonly PipelineMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Channel<PumpItem> _queue;
    private readonly Action<WriterPump> _onFault;
    private readonly int _capacity;
    private int _queuedRecords;
    private TaskCompletionSource? _spaceWaiter;
    private readonly ResiliencePipeline _retry;
    private readonly KeyValuePair<string, object?> _tag;
    private StageOutcome _outcome = StageOutcome.Completed;
    private long _outageStart;
    private int _outageRetries;
    private string? _outageError;
    private long _written;
    private long _abandoned;
    private long _dirtySince;
    private long _failed;

    public WriterPump(
        string name,
        IStatsWriter writer,
        WriterOptions options,
        WriterContext context,
        PipelineMetrics metrics,
        ILogger logger,
        TimeProvider time,
        Action<WriterPump> onFault)
    {
        _name = name;
        _onFault = onFault;
        _writer = writer;
        _options = options;
        _context = context;
        _metrics = metrics;
        _logger = logger;
        _time = time;
        _tag = new("writer", name);
        // Records arrive in chunks shared by every pump (one queue operation per chunk, not per record); the bound
        // is counted in records, so QueueCapacity means what it says whatever the chunk sizes.
        _capacity = options.QueueCapacity;
        _queue = Channel.CreateUnbounded<PumpItem>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
        _retry = BuildRetry(options.Retry);
    }

    public string Name => _name;

    public Task Completion { get; private set; } = Task.CompletedTask;

    public long Written => Interlocked.Read(ref _written);

    public long Failed => Interlocked.Read(ref _failed);

    public int Queued => Volatile.Read(ref _queuedRecords);

    /// <summary>Records the dispatcher could not hand to this writer because the shutdown deadline passed.</summary>
    public long Abandoned => Interlocked.Read(ref _abandoned);

    /// <summary>The error that stopped this writer; once set, the writer accepts and discards (counting) records.</summary>
    public Exception? Fault { get; private set; }

    /// <summary>Starts draining on the pump's own thread (see <see cref="DedicatedThreadContext"/>), which ends with the stage.</summary>
    public void Start(CancellationToken abort) => Completion = RunOnOwnThreadAsync(abort);

    private async Task RunOnOwnThreadAsync(CancellationToken abort)
    {
        var thread = new DedicatedThreadContext("Writer " + _name);
        try
        {
            await thread.RunAsync(() => RunAsync(abort)).ConfigureAwait(false);
        }
        finally
        {
            thread.Complete();
        }
    }

    /// <summary>
    /// Queues a chunk of records (read-only, shared with the other pumps) when there is room for it; an empty queue
    /// always takes a chunk so an oversized one cannot block forever.
    /// </summary>
    public bool TryEnqueue(RecordChunk chunk)
    {
        var queued = Volatile.Read(ref _queuedRecords);
        if (queued > 0 && queued + chunk.Count > _capacity)
        {
            return false;
        }

        Interlocked.Add(ref _queuedRecords, chunk.Count);
        if (!_queue.Writer.TryWrite(new PumpItem(chunk, null)))
        {
            Interlocked.Add(ref _queuedRecords, -chunk.Count);
            throw new InvalidOperationException($"Writer '{_name}' no longer accepts records: its stage has ended.");
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

    /// <summary>Completes once everything queued before this call is written and flushed.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_queue.Writer.TryWrite(new PumpItem(null, done)))
        {
            throw new StatsPipelineException($"Writer '{_name}' no longer accepts a flush: its stage has ended.");
        }

        await done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public void CountAbandoned(int count) => Interlocked.Add(ref _abandoned, count);

    private void ReleaseSpace(RecordChunk chunk)
    {
        Interlocked.Add(ref _queuedRecords, -chunk.Count);
        chunk.Release();
        Interlocked.Exchange(ref _spaceWaiter, null)?.TrySetResult();
    }

    /// <summary>No more records for this stage: drain, flush and close with <paramref name="outcome"/>.</summary>
    public void Complete(StageOutcome outcome)
    {
        _outcome = outcome;
        _queue.Writer.TryComplete();
    }

    /// <remarks>Runs on the pump's own thread: every await here comes back to it (<c>ConfigureAwait(true)</c>).</remarks>
    private async Task RunAsync(CancellationToken abort)
    {
        var reader = _queue.Reader;
        var batch = new List<StatsRecord>(Math.Min(_options.MaxBatchSize, 4096));
        var dirty = false;
        TaskCompletionSource? barrier = null;
        RecordChunk? carry = null;
        var carryOffset = 0;
        try
        {
            await ExecuteAsync("open", ct => _writer.OpenAsync(_context, ct), abort).ConfigureAwait(true);
            while (true)
            {
                if (carry is null && !reader.TryPeek(out _))
                {
                    var more = dirty
                        ? await WaitOrFlushIntervalAsync(reader, abort).ConfigureAwait(true)
                        : await reader.WaitToReadAsync(abort).ConfigureAwait(true);
                    if (more is null)
                    {
                        await ExecuteAsync("flush", ct => _writer.FlushAsync(ct), abort).ConfigureAwait(true);
                        dirty = false;
                        continue;
                    }

                    if (more == false)
                    {
                        break;
                    }
                }

                while (batch.Count < _options.MaxBatchSize)
                {
                    if (carry is not null)
                    {
                        // Move what fits of the current chunk into the batch (MaxBatchSize is strict).
                        var take = Math.Min(_options.MaxBatchSize - batch.Count, carry.Count - carryOffset);
                        batch.AddRange(new ArraySegment<StatsRecord>(carry.Items, carryOffset, take));
                        carryOffset += take;
                        if (carryOffset == carry.Count)
                        {
                            ReleaseSpace(carry);
                            carry = null;
                        }

                        continue;
                    }

                    if (!reader.TryRead(out var item))
                    {
                        break;
                    }

                    if (item.Flush is null)
                    {
                        carry = item.Records;
                        carryOffset = 0;
                        continue;
                    }

                    // A flush barrier: everything before it must be written and flushed first. Held in a local so a
                    // failure below still completes it (with the error) instead of leaving the producer waiting.
                    barrier = item.Flush;
                    await WriteBatchAsync(batch, abort).ConfigureAwait(true);
                    await ExecuteAsync("flush", ct => _writer.FlushAsync(ct), abort).ConfigureAwait(true);
                    dirty = false;
                    barrier.TrySetResult();
                    barrier = null;
                }

                if (batch.Count > 0)
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
                    await ExecuteAsync("flush", ct => _writer.FlushAsync(ct), abort).ConfigureAwait(true);
                    dirty = false;
                }
            }

            await ExecuteAsync("close", ct => _writer.CloseAsync(_outcome, ct), abort).ConfigureAwait(true);
        }
        catch (Exception e)
        {
            Fault = e;
            _onFault(this);
            barrier?.TrySetException(Failure(e));
            var lost = batch.Count + DiscardQueued(e);
            if (carry is not null)
            {
                lost += carry.Count - carryOffset;
                ReleaseSpace(carry);
                carry = null;
            }

            batch.Clear();
            AddFailed(lost);
            if (e is OperationCanceledException && abort.IsCancellationRequested)
            {
                _logger.LogError("Writer {Writer} was stopped by the shutdown timeout with {Count} record(s) not written", _name, lost);
            }
            else
            {
                _logger.LogError(
                    e,
                    "Writer {Writer} failed for stage '{Stage}' and stops: {Error}. {Count} record(s) not written; the run stops and resumes from its last checkpoint",
                    _name, _context.Stage, e.Message, lost);
            }

            // Keep accepting (and counting) records so the dispatcher and the other writers are never blocked,
            // until the stage ends or the shutdown deadline passes.
            try
            {
                await foreach (var item in reader.ReadAllAsync(abort).ConfigureAwait(true))
                {
                    if (item.Flush is not null)
                    {
                        item.Flush.TrySetException(Failure(e));
                    }
                    else
                    {
                        AddFailed(item.Records!.Count);
                        ReleaseSpace(item.Records);
                    }
                }
            }
            catch (OperationCanceledException)
            {
                AddFailed(DiscardQueued(e));
            }
        }
        finally
        {
            try
            {
                await _writer.DisposeAsync().ConfigureAwait(true);
            }
            catch (Exception e)
            {
                _logger.LogWarning(e, "Writer {Writer}: dispose failed", _name);
            }
        }
    }

    /// <returns>true when records wait, false when the queue is complete, null when FlushInterval passed idle.</returns>
    private async ValueTask<bool?> WaitOrFlushIntervalAsync(ChannelReader<PumpItem> reader, CancellationToken abort)
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

    private async ValueTask WriteBatchAsync(List<StatsRecord> batch, CancellationToken abort)
    {
        if (batch.Count == 0)
        {
            return;
        }

        var started = Stopwatch.GetTimestamp();
        await ExecuteAsync("write", ct => _writer.WriteAsync(batch, ct), abort).ConfigureAwait(true);
        _metrics.BatchDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, _tag);
        _metrics.Written.Add(batch.Count, _tag);
        Interlocked.Add(ref _written, batch.Count);
        batch.Clear();
    }

    private async ValueTask ExecuteAsync(string operation, Func<CancellationToken, ValueTask> call, CancellationToken abort)
    {
        var context = ResilienceContextPool.Shared.Get(operation, continueOnCapturedContext: true, abort);
        try
        {
            await _retry.ExecuteAsync(static (ctx, state) => state(ctx.CancellationToken), context, call).ConfigureAwait(true);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }

        if (_outageRetries > 0)
        {
            _logger.LogWarning(
                "Writer {Writer} recovered after {Seconds:F1} s and {Retries} retries (last error: {Error}); nothing was lost",
                _name, _time.GetElapsedTime(_outageStart).TotalSeconds, _outageRetries, _outageError);
            _outageRetries = 0;
        }
    }

    private ResiliencePipeline BuildRetry(WriterRetryOptions retry)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = _time };
        if (retry.MaxAttempts != 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                // A writer's own timeout (an OperationCanceledException we did not ask for) is transient too.
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is { } error
                    && (IsTransient(error) || (error is OperationCanceledException && !args.Context.CancellationToken.IsCancellationRequested))),
                MaxRetryAttempts = retry.MaxAttempts < 0 ? int.MaxValue : retry.MaxAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = retry.BaseDelay,
                MaxDelay = retry.MaxDelay,
                OnRetry = args =>
                {
                    _metrics.WriteFailures.Add(1, _tag);
                    var error = args.Outcome.Exception?.Message ?? "unknown error";
                    if (_outageRetries++ == 0)
                    {
                        _outageStart = _time.GetTimestamp();
                        _logger.LogWarning(
                            "Writer {Writer}: {Operation} failed ({Error}); retrying with backoff, records stay queued ({Queued} waiting)",
                            _name, args.Context.OperationKey, error, Queued);
                    }
                    else
                    {
                        _logger.LogDebug("Writer {Writer}: retry {Attempt} after {Error}", _name, args.AttemptNumber, error);
                    }

                    _outageError = error;
                    return ValueTask.CompletedTask;
                },
            });
        }

        return builder.Build();
    }

    private static bool IsTransient(Exception e) => e is not (
        PermanentWriterException
        or OperationCanceledException
        or ArgumentException
        or NotSupportedException
        or UnauthorizedAccessException
        or InvalidOperationException);

    private int DiscardQueued(Exception error)
    {
        var count = 0;
        while (_queue.Reader.TryRead(out var item))
        {
            if (item.Flush is not null)
            {
                item.Flush.TrySetException(Failure(error));
            }
            else
            {
                count += item.Records!.Count;
                ReleaseSpace(item.Records);
            }
        }

        return count;
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

    private StatsPipelineException Failure(Exception error) =>
        new($"Writer '{_name}' failed: {error.Message}", error);

    /// <summary>A chunk of records, or a flush barrier.</summary>
    private readonly record struct PumpItem(RecordChunk? Records, TaskCompletionSource? Flush);
}
