using System.Threading.Channels;
using Jaqmc.Service.Hosting;
using Jaqmc.Sinks;
using Jaqmc.Sinks.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Jaqmc.Service.Pipeline;

/// <summary>
/// The data path from the training loop to the writers: a bounded channel the loop writes into, a dispatcher that
/// fans records out (in shared chunks) to every writer's own queue, and one <see cref="WriterPump"/> per writer per
/// stage.
/// </summary>
/// <remarks>
/// The dispatcher and each pump run on threads of their own, never on the thread pool: the training's parallel
/// sweep uses the pool's threads, and on a machine whose cores all train, a pool worker that wakes for the writers
/// (and spins for more work afterwards) delays the sweep.
/// </remarks>
internal sealed class StatsPipeline : IStatsRecorder, IStatsPipelineStatus, IHostedService, IAsyncDisposable
{
    /// <summary>The largest high-water mark: a full chunk's worth of records wakes the dispatcher.</summary>
    private const int MaxHighWater = 512;

    private readonly PipelineOptions _options;
    private readonly RunOptions _run;
    private readonly bool _isMaster;
    private readonly IReadOnlyList<StatsWriterRegistration> _registrations;
    private readonly IServiceProvider _services;
    private readonly PipelineMetrics _metrics;
    private readonly ILogger<StatsPipeline> _logger;
    private readonly ILoggerFactory _loggerFactory;
    private readonly TimeProvider _time;
    private readonly string? _runConfiguration;
    private readonly Channel<Item> _channel;
    private readonly CancellationTokenSource _abort = new();
    private readonly Dictionary<string, WriterSummary> _summaries = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _summaryLock = new();
    private readonly ChunkPool _chunks = new();

    /// <summary>Records waiting that wake a pausing dispatcher: a quarter of the capacity, at most a full chunk.</summary>
    private readonly long _highWater;

    // Stage changes, flushes and the host's stop never overlap: the stop waits for the producer's call to finish
    // (or for the shutdown deadline, which aborts everything and wakes the producer with an error).
    private readonly SemaphoreSlim _gate = new(1, 1);

    private WriterPump[] _pumps = [];
    private Task _dispatcher = Task.CompletedTask;
    private long _enqueuedSeq;
    private long _dispatchedSeq;
    private ProgressWaiter? _waiter;

    // The dispatcher's pause: set to end it early. No spinning: the dispatcher sleeps on it for a whole interval.
    private readonly ManualResetEventSlim _wake = new(false, spinCount: 0);

    // 1 while the dispatcher pauses and nobody has woken it yet; whoever takes it (exchanging it to 0) sets _wake.
    private int _pausing;
    private volatile Exception? _dispatcherStopped;
    private long _dropped;
    private long _burstDropped;
    private long _lastDrop;
    private string? _stage;
    private long _lastStep;
    private volatile Exception? _fault;
    private bool _stopped;
    private bool _disposed;

    public StatsPipeline(
        IOptions<PipelineOptions> options,
        IOptions<RunOptions> run,
        IOptions<DistributedOptions> distributed,
        IEnumerable<StatsWriterRegistration> registrations,
        IServiceProvider services,
        PipelineMetrics metrics,
        ILogger<StatsPipeline> logger,
        ILoggerFactory loggerFactory,
        TimeProvider time,
        RunConfigurationSnapshot? runConfiguration = null,
        IHostApplicationLifetime? lifetime = null)
    {
        _options = options.Value;
        _run = run.Value;
        _isMaster = distributed.Value.IsMaster;
        _registrations = registrations.ToArray();
        _services = services;
        _metrics = metrics;
        _logger = logger;
        _loggerFactory = loggerFactory;
        _time = time;
        _runConfiguration = runConfiguration?.Json;
        var channelOptions = new BoundedChannelOptions(_options.Capacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = _options.FullMode switch
            {
                PipelineFullMode.DropOldest => BoundedChannelFullMode.DropOldest,
                PipelineFullMode.DropNewest => BoundedChannelFullMode.DropNewest,
                _ => BoundedChannelFullMode.Wait,
            },
        };
        _channel = Channel.CreateBounded<Item>(channelOptions, OnDropped);
        _highWater = Math.Clamp(_options.Capacity / 4, 1, MaxHighWater);
        // Observed, not counted per record: the training loop's hand-over stays a field increment.
        _metrics.Meter.CreateObservableCounter("jaqmc.writer.records.enqueued", () => Volatile.Read(ref _enqueuedSeq), "{record}", "Records handed over by the training loop.");
        _metrics.Meter.CreateObservableGauge("jaqmc.writer.queue.depth", ObserveQueueDepths, "{record}", "Records waiting in the pipeline's queue and in each writer's queue.");

        // The shutdown deadline starts when the host is asked to stop (Ctrl+C, SIGTERM) and covers the training
        // loop's last checkpoint as well as the drain; when it passes, everything still waiting is aborted and reported.
        lifetime?.ApplicationStopping.Register(() =>
        {
            try
            {
                _abort.CancelAfter(_options.ShutdownTimeout);
            }
            catch (ObjectDisposedException)
            {
                // Already disposed: nothing left to abort.
            }
        });
    }

    /// <summary>Records dropped under a drop full mode.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Per-writer totals so far.</summary>
    public IReadOnlyList<WriterSummary> Summaries
    {
        get
        {
            lock (_summaryLock)
            {
                return _summaries.Values.Select(s => s with { }).ToArray();
            }
        }
    }

    /// <summary>The first writer failure, if any.</summary>
    public Exception? Fault => _fault;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // A thread of its own, sleeping between dispatches: on a machine whose cores all train, a thread-pool
        // worker woken for each dispatch would spin for more work afterwards, on a core the training needs.
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _dispatcher = stopped.Task;
        new Thread(() =>
        {
            try
            {
                Dispatch();
            }
            catch (Exception e)
            {
                // Dispatch reports its own failures; this is the last guard, so nothing escapes the thread.
                _fault ??= new StatsPipelineException($"The statistics dispatcher failed: {e.Message}", e);
            }
            finally
            {
                stopped.TrySetResult();
            }
        })
        { IsBackground = true, Name = "Stats dispatch" }.Start();
        if (!_isMaster)
        {
            _logger.LogInformation("This is not the master process: statistics are not written here");
        }

        return Task.CompletedTask;
    }

    public async ValueTask BeginStageAsync(string stage, long initialStep, CancellationToken cancellationToken)
    {
        StagePath.ValidateStage(stage);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_stage is not null)
            {
                throw new InvalidOperationException($"Stage '{_stage}' is still open; end it before beginning '{stage}'.");
            }

            ThrowIfStopped();
            if (_isMaster)
            {
                StartPumps(new WriterContext(_run.FullWorkingDirectory, stage, initialStep, _run.EffectiveName, _runConfiguration));
            }

            _stage = stage;
            _lastStep = initialStep - 1;
        }
        finally
        {
            _gate.Release();
        }
    }

    public ValueTask RecordAsync(StatsRecord record, CancellationToken cancellationToken)
    {
        if (_stage is null)
        {
            throw new InvalidOperationException("RecordAsync was called outside a stage: call BeginStageAsync first.");
        }

        if (!string.Equals(record.Stage, _stage, StringComparison.Ordinal))
        {
            throw new StatsPipelineException($"A record for stage '{record.Stage}' arrived while stage '{_stage}' is open.");
        }

        if (record.Step <= _lastStep)
        {
            throw new StatsPipelineException(
                $"Step {record.Step} of stage '{_stage}' is not after the previous step {_lastStep}: steps must increase within a stage; the record was not written.");
        }

        ThrowIfFaulted();
        if (!_isMaster)
        {
            _lastStep = record.Step;
            return ValueTask.CompletedTask;
        }

        var item = new Item(_enqueuedSeq + 1, record);
        if (_channel.Writer.TryWrite(item))
        {
            Accept(item);
            if (_enqueuedSeq - Volatile.Read(ref _dispatchedSeq) >= _highWater)
            {
                // A full fence between publishing the count and looking for the dispatcher's wake (which it arms before
                // reading the count): otherwise both sides can miss each other. Only past the high-water mark.
                Interlocked.MemoryBarrier();
                WakeDispatcher();
            }

            return ValueTask.CompletedTask;
        }

        ThrowIfStopped();
        if (_options.FullMode == PipelineFullMode.Fail)
        {
            WakeDispatcher();
            throw new StatsPipelineException(
                $"The statistics queue is full (Pipeline:Capacity={_options.Capacity}) and Pipeline:FullMode=Fail: step {record.Step} was not recorded.");
        }

        return WaitAndWriteAsync(item, cancellationToken);
    }

    public async ValueTask FlushAsync(long step, CancellationToken cancellationToken)
    {
        ThrowIfFaulted();
        if (!_isMaster || _stage is null)
        {
            return;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await WaitDispatchedAsync(_enqueuedSeq, cancellationToken).ConfigureAwait(false);
            var pumps = Volatile.Read(ref _pumps);
            await Task.WhenAll(pumps.Select(p => p.FlushAsync(cancellationToken))).ConfigureAwait(false);
        }
        catch (StatsPipelineException e)
        {
            throw new StatsPipelineException($"Flush up to step {step} failed: {e.Message}", e);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask EndStageAsync(StageOutcome outcome, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await EndStageCoreAsync(outcome, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }

        ThrowIfFaulted();
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        var gateTaken = false;
        try
        {
            // Wait for the producer's last call (its checkpoint flush, its end of stage) to finish.
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            gateTaken = true;
            if (_stage is not null)
            {
                // The producer did not end its stage (it failed or was cancelled): drain and close as interrupted.
                await EndStageCoreAsync(StageOutcome.Interrupted, cancellationToken).ConfigureAwait(false);
            }

            _channel.Writer.TryComplete();
            WakeDispatcher();
            await _dispatcher.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _logger.LogError("The shutdown timeout ({Timeout}) expired before every queued record was written", _options.ShutdownTimeout);
            await AbortAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is StatsPipelineException or ChannelClosedException)
        {
            // Reported by the failing writer or the dispatcher; the summary below says what was lost.
        }
        finally
        {
            if (gateTaken)
            {
                _gate.Release();
            }
        }

        EndDropBurst(force: true);
        LogSummary();
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await AbortAsync().ConfigureAwait(false);

        // A dispatcher that did not stop within AbortAsync's grace still uses both.
        if (_dispatcher.IsCompleted)
        {
            _abort.Dispose();
            _wake.Dispose();
        }
    }

    private void StartPumps(WriterContext context)
    {
        var created = new List<(StatsWriterRegistration Registration, WriterOptions Options, IStatsWriter Writer)>();
        try
        {
            foreach (var registration in _registrations)
            {
                var options = registration.GetOptions(_services);
                if (options.Enabled)
                {
                    created.Add((registration, options, registration.Create(_services)));
                }
            }
        }
        catch
        {
            // Nothing was started: release what was created so no file or connection leaks.
            foreach (var (_, _, writer) in created)
            {
                _ = writer.DisposeAsync().AsTask();
            }

            throw;
        }

        var pumps = created
            .Select(c => new WriterPump(c.Registration.Name, c.Writer, c.Options, context, _metrics, _loggerFactory.CreateLogger($"Jaqmc.Writers.{c.Registration.Name}"), _time, OnPumpFault))
            .ToArray();
        lock (_summaryLock)
        {
            foreach (var pump in pumps)
            {
                _summaries.TryAdd(pump.Name, new WriterSummary(pump.Name, 0, 0, 0, null));
            }
        }

        foreach (var pump in pumps)
        {
            pump.Start(_abort.Token);
        }

        Volatile.Write(ref _pumps, pumps);
        _logger.LogDebug("Stage '{Stage}' opened {Count} writer(s) at step {Step}", context.Stage, pumps.Length, context.InitialStep);
    }

    private async ValueTask EndStageCoreAsync(StageOutcome outcome, CancellationToken cancellationToken)
    {
        if (_stage is null)
        {
            return;
        }

        var stage = _stage;
        try
        {
            if (_isMaster)
            {
                await WaitDispatchedAsync(_enqueuedSeq, cancellationToken).ConfigureAwait(false);
                var pumps = Volatile.Read(ref _pumps);
                foreach (var pump in pumps)
                {
                    pump.Complete(outcome);
                }

                await Task.WhenAll(pumps.Select(p => p.Completion)).WaitAsync(cancellationToken).ConfigureAwait(false);
                Volatile.Write(ref _pumps, []);
                Accumulate(pumps);
                _logger.LogDebug("Stage '{Stage}' closed ({Outcome})", stage, outcome);
            }
        }
        finally
        {
            _stage = null;
        }
    }

    /// <summary>The deadline passed: stop every pump and the dispatcher, and count what is left as still queued.</summary>
    private async Task AbortAsync()
    {
        await _abort.CancelAsync().ConfigureAwait(false);
        _channel.Writer.TryComplete();
        var pumps = Volatile.Read(ref _pumps);
        foreach (var pump in pumps)
        {
            pump.Complete(StageOutcome.Interrupted);
        }

        await Task.WhenAll(pumps.Select(p => p.Completion).Append(_dispatcher)).WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None)
            .ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
        if (pumps.Length > 0 && Interlocked.Exchange(ref _pumps, []) == pumps)
        {
            Accumulate(pumps, stillQueuedInPipeline: _channel.Reader.Count);
        }
    }

    private async ValueTask WaitAndWriteAsync(Item item, CancellationToken cancellationToken)
    {
        WakeDispatcher();
        try
        {
            await _channel.Writer.WriteAsync(item, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException e)
        {
            throw new StatsPipelineException($"Step {item.Record.Step} was not recorded: the statistics pipeline has stopped ({_dispatcherStopped?.Message ?? "shutdown"}).", e);
        }

        Accept(item);
    }

    /// <summary>The record is in the channel: publish its sequence number (read by the dispatcher and the metric).</summary>
    private void Accept(in Item item)
    {
        Volatile.Write(ref _enqueuedSeq, item.Seq);
        _lastStep = item.Record.Step;
    }

    /// <summary>The dispatcher's loop, on its own thread (blocking here costs the training nothing).</summary>
    private void Dispatch()
    {
        // The dispatcher wakes at most once per DispatchInterval and moves everything waiting in chunks, so each
        // writer's queue costs one operation per chunk rather than per record, and the producer never pays for a
        // cross-thread wake-up on an ordinary record: on a machine whose cores all train, every wake-up delays a
        // step. A queue filling past its high-water mark, a flush barrier, the end of a stage and shutdown cut the
        // pause short.
        var reader = _channel.Reader;
        Exception? stopped = null;
        try
        {
            while (true)
            {
                var moved = MoveWaiting(reader);
                EndDropBurst();
                if (reader.Completion.IsCompleted)
                {
                    break;
                }

                // Nothing came during a whole pause (between stages, on a non-master process, a stalled producer, steps
                // slower than DispatchInterval): block instead of polling; the next record wakes the dispatcher, which
                // then pauses to gather the ones after it. Steps faster than DispatchInterval always leave records
                // waiting, so such a training loop never pays for this wake-up.
                if (!moved && reader.Count == 0 && !Block(reader.WaitToReadAsync(_abort.Token)))
                {
                    break;
                }

                Pause(reader);
            }
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested)
        {
            stopped = new StatsPipelineException($"the shutdown timeout ({_options.ShutdownTimeout}) expired");
        }
        catch (Exception e)
        {
            stopped = e;
            _fault ??= new StatsPipelineException($"The statistics dispatcher failed: {e.Message}", e);
            _logger.LogError(e, "The statistics dispatcher failed: {Error}", e.Message);
        }
        finally
        {
            // Whatever waits on the dispatcher must learn that it has stopped, or the training loop would hang.
            _dispatcherStopped = stopped ?? new StatsPipelineException("the statistics pipeline has stopped");
            _channel.Writer.TryComplete();
            Volatile.Read(ref _waiter)?.Done.TrySetException(new StatsPipelineException($"Records could not reach the writers: {_dispatcherStopped.Message}."));
        }
    }

    /// <summary>Moves every waiting record to the writers, in chunks of at most the largest chunk size.</summary>
    /// <returns>Whether there was anything to move.</returns>
    private bool MoveWaiting(ChannelReader<Item> reader)
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

            // Full fences on both sides (here and in WaitDispatchedAsync): a plain store followed by a load may be
            // reordered, and then the waiter and the dispatcher could both miss each other.
            Interlocked.Exchange(ref _dispatchedSeq, lastSeq);
            var waiter = Volatile.Read(ref _waiter);
            if (waiter is not null && lastSeq >= waiter.Target)
            {
                waiter.Done.TrySetResult();
            }
        }
    }

    /// <summary>Sleeps for DispatchInterval, or until the high-water mark, a flush barrier or the channel's completion.</summary>
    private void Pause(ChannelReader<Item> reader)
    {
        _wake.Reset();
        Interlocked.Exchange(ref _pausing, 1);
        try
        {
            // Look again after arming: whatever cuts the pause short may have happened before the pause was visible.
            // A waiter already satisfied does not count: it clears itself a moment later, and skipping the pause for
            // it would spin.
            if ((Volatile.Read(ref _waiter) is not { } waiter || Volatile.Read(ref _dispatchedSeq) >= waiter.Target)
                && Volatile.Read(ref _enqueuedSeq) - Volatile.Read(ref _dispatchedSeq) < _highWater
                && !reader.Completion.IsCompleted)
            {
                _wake.Wait(_options.DispatchInterval, _abort.Token);
            }
        }
        finally
        {
            // Also when aborted: nobody may set the event once the dispatcher has stopped pausing.
            Interlocked.Exchange(ref _pausing, 0);
        }

        _abort.Token.ThrowIfCancellationRequested();
    }

    /// <summary>Ends the dispatcher's pause now (once per pause: only the caller that takes it sets the event).</summary>
    private void WakeDispatcher()
    {
        if (Volatile.Read(ref _pausing) == 1 && Interlocked.Exchange(ref _pausing, 0) == 1)
        {
            _wake.Set();
        }
    }

    private void FanOut(RecordChunk chunk)
    {
        var pumps = Volatile.Read(ref _pumps);
        chunk.Share(pumps.Length + 1);
        var reached = 0;
        try
        {
            for (; reached < pumps.Length; reached++)
            {
                if (!pumps[reached].TryEnqueue(chunk))
                {
                    // This writer's queue is full: wait for it (backpressure), the others keep their queues.
                    Block(pumps[reached].EnqueueAsync(chunk, _abort.Token));
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Aborted mid fan-out: the writers not reached never got these records; count them as still queued.
            for (var i = reached; i < pumps.Length; i++)
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

    private async ValueTask WaitDispatchedAsync(long target, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _dispatchedSeq) >= target)
        {
            return;
        }

        var waiter = new ProgressWaiter(target);
        Interlocked.Exchange(ref _waiter, waiter);
        WakeDispatcher();
        if (Volatile.Read(ref _dispatchedSeq) >= target)
        {
            waiter.Done.TrySetResult();
        }
        else if (_dispatcherStopped is { } stopped)
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

    private void OnDropped(Item item)
    {
        Volatile.Write(ref _lastDrop, _time.GetTimestamp());
        Interlocked.Increment(ref _dropped);
        _metrics.Dropped.Add(1);
        if (Interlocked.Increment(ref _burstDropped) == 1)
        {
            _logger.LogWarning(
                "The statistics queue is full (Pipeline:Capacity={Capacity}): dropping records under Pipeline:FullMode={Mode}, first at step {Step}; the writers are slower than training",
                _options.Capacity, _options.FullMode, item.Record.Step);
        }
    }

    /// <summary>A burst ends when the queue has drained and no record was dropped for a second.</summary>
    private void EndDropBurst(bool force = false)
    {
        if (Interlocked.Read(ref _burstDropped) == 0
            || (!force && _time.GetElapsedTime(Volatile.Read(ref _lastDrop)) < TimeSpan.FromSeconds(1)))
        {
            return;
        }

        var burst = Interlocked.Exchange(ref _burstDropped, 0);
        if (burst > 0)
        {
            _logger.LogWarning("Dropped {Count} record(s) in this burst ({Total} in total so far)", burst, Dropped);
        }
    }

    private void ThrowIfStopped()
    {
        if (_dispatcherStopped is { } stopped)
        {
            throw new StatsPipelineException($"The statistics pipeline has stopped: {stopped.Message}.", stopped);
        }
    }

    /// <summary>Called by a pump when its writer stops, so the producer's check per record is one field read, not a scan of the pumps.</summary>
    private void OnPumpFault(WriterPump pump) =>
        _fault ??= new StatsPipelineException($"Writer '{pump.Name}' failed: {pump.Fault!.Message}", pump.Fault);

    private void ThrowIfFaulted()
    {
        if (_fault is { } fault)
        {
            throw new StatsPipelineException(fault.Message, fault);
        }
    }

    private void Accumulate(IEnumerable<WriterPump> pumps, int stillQueuedInPipeline = 0)
    {
        lock (_summaryLock)
        {
            foreach (var pump in pumps)
            {
                var summary = _summaries[pump.Name];
                summary.Written += pump.Written;
                summary.Failed += pump.Failed;
                summary.StillQueued += pump.Queued + pump.Abandoned + stillQueuedInPipeline;
                summary.Error ??= pump.Fault?.Message;
            }
        }
    }

    private void LogSummary()
    {
        foreach (var s in Summaries)
        {
            var level = s.Failed > 0 || s.StillQueued > 0 || s.Error is not null ? LogLevel.Error : LogLevel.Information;
            _logger.Log(
                level,
                "Writer {Writer}: {Written} written, {Dropped} dropped, {Failed} failed, {Queued} still queued{Error}",
                s.Writer, s.Written, Dropped, s.Failed, s.StillQueued, s.Error is null ? string.Empty : $" (error: {s.Error})");
        }
    }

    private IEnumerable<System.Diagnostics.Metrics.Measurement<int>> ObserveQueueDepths()
    {
        yield return new(_channel.Reader.Count, new KeyValuePair<string, object?>("queue", "pipeline"));
        foreach (var pump in Volatile.Read(ref _pumps))
        {
            yield return new(pump.Queued, new KeyValuePair<string, object?>("queue", pump.Name));
        }
    }

    private readonly record struct Item(long Seq, StatsRecord Record);

    private sealed class ProgressWaiter(long target)
    {
        public long Target { get; } = target;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
