using System.Threading.Channels;
using Jaqmc.Service.Hosting;
using Jaqmc.Sinks;
using Jaqmc.Sinks.Hosting;
using Jaqmc.Training;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Jaqmc.Service.Pipeline;

/// <summary>
/// The data path from the training loop to the writers: a bounded channel the loop writes into, a dispatcher that
/// fans each record out to every writer's own queue, and one <see cref="WriterPump"/> per writer per stage.
/// </summary>
internal sealed class StatsPipeline : IStatsRecorder, IHostedService, IAsyncDisposable
{
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

    /// <summary>The most records moved to the writers' queues in one operation.</summary>
    private const int DispatchChunk = 512;

    private readonly ChunkPool _chunks = new(DispatchChunk);
    private WriterPump[] _pumps = [];
    private Task _dispatcher = Task.CompletedTask;
    private long _enqueuedSeq;
    private long _dispatchedSeq;
    private ProgressWaiter? _waiter;
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
        RunConfigurationSnapshot? runConfiguration = null)
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
        _metrics.Meter.CreateObservableGauge("jaqmc.writer.queue.depth", ObserveQueueDepths, "{record}", "Records waiting in the pipeline's queue and in each writer's queue.");
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
        _dispatcher = Task.Run(DispatchAsync, CancellationToken.None);
        if (!_isMaster)
        {
            _logger.LogInformation("This is not the master process: statistics are not written here");
        }

        return Task.CompletedTask;
    }

    public async ValueTask BeginStageAsync(string stage, long initialStep, CancellationToken cancellationToken)
    {
        StagePath.ValidateStage(stage);
        if (_stage is not null)
        {
            throw new InvalidOperationException($"Stage '{_stage}' is still open; end it before beginning '{stage}'.");
        }

        ThrowIfFaulted();
        _stage = stage;
        _lastStep = initialStep - 1;
        if (!_isMaster)
        {
            return;
        }

        var context = new WriterContext(_run.FullWorkingDirectory, stage, initialStep, _run.EffectiveName, _runConfiguration);
        var pumps = new List<WriterPump>();
        foreach (var registration in _registrations)
        {
            var options = registration.GetOptions(_services);
            if (!options.Enabled)
            {
                continue;
            }

            var writer = registration.Create(_services);
            var pump = new WriterPump(registration.Name, writer, options, context, _metrics, _loggerFactory.CreateLogger($"Jaqmc.Writers.{registration.Name}"), _time);
            pumps.Add(pump);
            lock (_summaryLock)
            {
                _summaries.TryAdd(registration.Name, new WriterSummary(registration.Name, 0, 0, 0, null));
            }
        }

        foreach (var pump in pumps)
        {
            pump.Start(_abort.Token);
        }

        Volatile.Write(ref _pumps, pumps.ToArray());
        _logger.LogDebug("Stage '{Stage}' opened {Count} writer(s) at step {Step}", stage, pumps.Count, initialStep);
        await Task.CompletedTask.ConfigureAwait(false);
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
        _lastStep = record.Step;
        if (!_isMaster)
        {
            return ValueTask.CompletedTask;
        }

        var item = new Item(++_enqueuedSeq, record);
        if (_channel.Writer.TryWrite(item))
        {
            _metrics.Enqueued.Add(1);
            return ValueTask.CompletedTask;
        }

        if (_options.FullMode == PipelineFullMode.Fail)
        {
            _enqueuedSeq--;
            _lastStep = record.Step - 1;
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

        await WaitDispatchedAsync(_enqueuedSeq, cancellationToken).ConfigureAwait(false);
        var pumps = Volatile.Read(ref _pumps);
        try
        {
            await Task.WhenAll(pumps.Select(p => p.FlushAsync(cancellationToken))).ConfigureAwait(false);
        }
        catch (StatsPipelineException e)
        {
            throw new StatsPipelineException($"Flush up to step {step} failed: {e.Message}", e);
        }
    }

    public async ValueTask EndStageAsync(StageOutcome outcome, CancellationToken cancellationToken)
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

        ThrowIfFaulted();
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        try
        {
            if (_stage is not null)
            {
                // The producer did not end its stage (it failed or was cancelled): drain and close as interrupted.
                await EndStageAsync(StageOutcome.Interrupted, cancellationToken).ConfigureAwait(false);
            }

            _channel.Writer.TryComplete();
            await _dispatcher.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _logger.LogError("The shutdown timeout ({Timeout}) expired before every queued record was written", _options.ShutdownTimeout);
            await _abort.CancelAsync().ConfigureAwait(false);
            var pumps = Volatile.Read(ref _pumps);
            await Task.WhenAll(pumps.Select(p => p.Completion)).WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None)
                .ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
            Accumulate(pumps, stillQueuedInPipeline: _channel.Reader.Count);
        }
        catch (StatsPipelineException)
        {
            // Already logged by the failing writer; the summary below reports it.
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
        _channel.Writer.TryComplete();
        await _abort.CancelAsync().ConfigureAwait(false);
        await _dispatcher.ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
        _abort.Dispose();
    }

    private async ValueTask WaitAndWriteAsync(Item item, CancellationToken cancellationToken)
    {
        try
        {
            await _channel.Writer.WriteAsync(item, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _enqueuedSeq--;
            _lastStep = item.Record.Step - 1;
            throw;
        }

        _metrics.Enqueued.Add(1);
    }

    private async Task DispatchAsync()
    {
        // Records move on to the writers in chunks of whatever is waiting, so each writer's queue costs one
        // operation per chunk rather than per record.
        var reader = _channel.Reader;
        try
        {
            while (await reader.WaitToReadAsync(_abort.Token).ConfigureAwait(false))
            {
                while (true)
                {
                    var chunk = _chunks.Rent();
                    long lastSeq = 0;
                    while (chunk.Count < chunk.Items.Length && reader.TryRead(out var item))
                    {
                        chunk.Items[chunk.Count++] = item.Record;
                        lastSeq = item.Seq;
                    }

                    if (chunk.Count == 0)
                    {
                        _chunks.Return(chunk);
                        break;
                    }

                    var pumps = Volatile.Read(ref _pumps);
                    chunk.Share(pumps.Length + 1);
                    foreach (var pump in pumps)
                    {
                        if (!pump.TryEnqueue(chunk))
                        {
                            // This writer's queue is full: wait for it (backpressure), the others keep their queues.
                            await pump.EnqueueAsync(chunk, _abort.Token).ConfigureAwait(false);
                        }
                    }

                    chunk.Release();

                    // Full fences on both sides (here and in WaitDispatchedAsync): a plain store followed by a load may be
                    // reordered, and then the waiter and the dispatcher could both miss each other.
                    Interlocked.Exchange(ref _dispatchedSeq, lastSeq);
                    var waiter = Volatile.Read(ref _waiter);
                    if (waiter is not null && lastSeq >= waiter.Target)
                    {
                        waiter.Done.TrySetResult();
                    }
                }

                EndDropBurst();
            }
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested)
        {
            // Shutdown timeout: what is left is reported by StopAsync.
        }
    }

    private async ValueTask WaitDispatchedAsync(long target, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _dispatchedSeq) >= target)
        {
            return;
        }

        var waiter = new ProgressWaiter(target);
        Interlocked.Exchange(ref _waiter, waiter);
        if (Volatile.Read(ref _dispatchedSeq) >= target)
        {
            waiter.Done.TrySetResult();
        }

        try
        {
            await waiter.Done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _waiter, null);
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

    private void ThrowIfFaulted()
    {
        if (_fault is not null)
        {
            throw new StatsPipelineException(_fault.Message, _fault);
        }

        foreach (var pump in Volatile.Read(ref _pumps))
        {
            if (pump.Fault is { } error)
            {
                _fault = new StatsPipelineException($"Writer '{pump.Name}' failed: {error.Message}", error);
                throw (StatsPipelineException)_fault;
            }
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
                summary.StillQueued += pump.Queued + stillQueuedInPipeline;
                summary.Error ??= pump.Fault?.Message;
                if (pump.Fault is not null && _fault is null)
                {
                    _fault = new StatsPipelineException($"Writer '{pump.Name}' failed: {pump.Fault.Message}", pump.Fault);
                }
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
