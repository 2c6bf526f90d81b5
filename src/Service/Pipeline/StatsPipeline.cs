using System.Threading.Channels;
using Jaqmc.Service.Hosting;
using Jaqmc.Service.Spool;
using Jaqmc.Sinks.Hosting;
using Jaqmc.Sinks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Jaqmc.Service.Pipeline;

/// <summary>
/// The training loop's side of the writer service (<see cref="IStatsRecorder"/>) and the owner of its stages: a
/// stage opens its writers (<see cref="StageWriters"/>), records go through the <see cref="RecordQueue"/> and the
/// <see cref="Dispatcher"/> to every writer's pump, and only this type ends a stage, whether the producer ends it or
/// the host stops.
/// </summary>
internal sealed class StatsPipeline : IStatsRecorder, IStatsPipelineStatus, IAsyncDisposable
{
    private readonly PipelineOptions _options;
    private readonly RunOptions _run;
    private readonly StageWriterSources _writerSources;
    private readonly ILogger _logger;
    private readonly string? _runConfiguration;
    private readonly CancellationTokenSource _abort = new();
    private readonly DispatchSignal _signal = new();
    private readonly DropCounter _drops;
    private readonly RecordQueue _queue;
    private readonly Dispatcher _dispatcher;
    private readonly PipelineReport _report;
    private readonly RemoteSpools? _spools;

    // Stage changes, flushes and stop never overlap: stop waits for the producer's call to finish (or for the
    // shutdown deadline, which aborts everything and wakes the producer with an error).
    private readonly SemaphoreSlim _gate = new(1, 1);

    // The producer's state (changed under the gate, or by RecordAsync on the producer's thread).
    private string? _stage;
    private long _lastStep;
    private StageWriters? _writers;

    // How the last stage ended: Interrupted means the run was stopped (Ctrl+C, SIGTERM), so the spools' uploads
    // may stop at an outage instead of retrying once more.
    private StageOutcome? _lastOutcome;

    // Set by whichever part fails first (a pump, the dispatcher); read by the producer on every call.
    private volatile Exception? _fault;
    private bool _stopped;
    private bool _disposed;

    public StatsPipeline(
        IOptions<PipelineOptions> options,
        IOptions<RunOptions> run,
        IEnumerable<StatsWriterRegistration> registrations,
        IServiceProvider services,
        PipelineMetrics metrics,
        ILoggerFactory loggerFactory,
        TimeProvider time,
        RunConfigurationSnapshot? runConfiguration = null,
        RemoteSpools? spools = null)
    {
        _options = options.Value;
        _run = run.Value;
        _logger = loggerFactory.CreateLogger<StatsPipeline>();
        _runConfiguration = runConfiguration?.Json;
        _drops = new DropCounter(_options, metrics, time, _logger);
        _queue = new RecordQueue(_options, _signal, _drops);
        _dispatcher = new Dispatcher(_queue, _signal, _drops, _options, _logger, e => _fault ??= e);
        _report = new PipelineReport(_logger);
        _spools = spools;
        _writerSources = new StageWriterSources(registrations.ToArray(), services, metrics, loggerFactory, time, OnPumpFault, WriterThreadScheduling.From(_options), spools);

        metrics.Observe(_queue, () => Volatile.Read(ref _writers));
    }

    /// <inheritdoc />
    public long Dropped => _drops.Dropped;

    /// <inheritdoc />
    public IReadOnlyList<WriterSummary> Summaries => _report.Summaries;

    /// <inheritdoc />
    public Exception? Fault => _fault;

    /// <summary>Starts the dispatcher thread.</summary>
    public void Start()
    {
        _dispatcher.Start(_abort.Token);

        // An upload that cannot go on (bad credentials) stops the run as a failed writer did before the spool.
        _spools?.Start(e => _fault ??= new StatsPipelineException($"Writer upload failed: {e.Message}", e));
    }

    /// <summary>
    /// Starts the shutdown deadline: when it passes, everything still waiting is aborted and reported. It covers the
    /// training loop's last checkpoint as well as the drain.
    /// </summary>
    public void StartShutdownDeadline(TimeSpan timeout)
    {
        try
        {
            _abort.CancelAfter(timeout);
        }
        catch (ObjectDisposedException)
        {
            // Already disposed: nothing left to abort.
        }

        _spools?.StartShutdownDeadline(timeout);
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
            var context = new WriterContext(_run.FullWorkingDirectory, stage, initialStep, _run.EffectiveName, _runConfiguration);
            var writers = StageWriters.Open(_writerSources, context, _abort.Token);
            _report.Begin(writers);
            _writers = writers;
            _dispatcher.Attach(writers);
            PipelineLog.StageOpened(_logger, stage, writers.Pumps.Count, initialStep);
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
        var stage = _stage ?? throw new InvalidOperationException("RecordAsync was called outside a stage: call BeginStageAsync first.");
        if (!string.Equals(record.Stage, stage, StringComparison.Ordinal))
        {
            throw new StatsPipelineException($"A record for stage '{record.Stage}' arrived while stage '{stage}' is open.");
        }

        if (record.Step <= _lastStep)
        {
            throw new StatsPipelineException(
                $"Step {record.Step} of stage '{stage}' is not after the previous step {_lastStep}: steps must increase within a stage; the record was not written.");
        }

        ThrowIfFaulted();
        if (_queue.TryWrite(record))
        {
            _lastStep = record.Step;
            return ValueTask.CompletedTask;
        }

        ThrowIfStopped();
        if (_options.FullMode == PipelineFullMode.Fail)
        {
            _dispatcher.Wake();
            throw new StatsPipelineException(
                $"The statistics queue is full (Pipeline:Capacity={_options.Capacity}) and Pipeline:FullMode=Fail: step {record.Step} was not recorded.");
        }

        return WaitAndRecordAsync(record, cancellationToken);
    }

    public async ValueTask FlushAsync(long step, CancellationToken cancellationToken)
    {
        ThrowIfFaulted();
        if (_stage is null)
        {
            return;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _dispatcher.WaitDispatchedAsync(_queue.Enqueued, cancellationToken).ConfigureAwait(false);
            if (_writers is { } writers)
            {
                await writers.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
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

    /// <summary>
    /// Stops within <paramref name="timeout"/>: ends an open stage as interrupted, drains every queue, closes the
    /// writers and logs the summary; what is still queued at the deadline is aborted and reported as still queued.
    /// </summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        StartShutdownDeadline(timeout);
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Stops: drains and closes, or aborts when <paramref name="cancellationToken"/> is cancelled first.</summary>
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

            // The producer did not end its stage (it failed or was cancelled): drain and close as interrupted.
            await EndStageCoreAsync(StageOutcome.Interrupted, cancellationToken).ConfigureAwait(false);
            _queue.Complete();
            _dispatcher.Wake();
            await _dispatcher.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            PipelineLog.ShutdownTimedOut(_logger, _options.ShutdownTimeout);
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

        _drops.EndBurst(force: true);
        _report.Log(Dropped);
        if (_spools is not null)
        {
            await _spools.StopAsync(interrupted: _lastOutcome == StageOutcome.Interrupted).ConfigureAwait(false);
        }
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
        if (_dispatcher.Completion.IsCompleted)
        {
            _abort.Dispose();
            _signal.Dispose();
        }
    }

    /// <summary>The one place a stage ends: drain what was recorded, close the writers, add up what they did.</summary>
    private async ValueTask EndStageCoreAsync(StageOutcome outcome, CancellationToken cancellationToken)
    {
        if (_stage is not { } stage)
        {
            return;
        }

        _lastOutcome = outcome;
        try
        {
            await _dispatcher.WaitDispatchedAsync(_queue.Enqueued, cancellationToken).ConfigureAwait(false);
            if (_writers is { } writers)
            {
                await writers.CloseAsync(outcome, cancellationToken).ConfigureAwait(false);
                DetachWriters(writers);
                _report.Add(writers);
            }

            PipelineLog.StageClosed(_logger, stage, outcome);
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
        _queue.Complete();
        if (Volatile.Read(ref _writers) is { } writers)
        {
            await writers.AbortAsync(_dispatcher.Completion).ConfigureAwait(false);
            if (Interlocked.CompareExchange(ref _writers, null, writers) == writers)
            {
                _dispatcher.Attach(null);
                _report.Add(writers, stillQueuedInPipeline: _queue.Count);
            }
        }
        else
        {
            await _dispatcher.Completion.WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None)
                .ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
        }
    }

    private void DetachWriters(StageWriters writers)
    {
        _dispatcher.Attach(null);
        Interlocked.CompareExchange(ref _writers, null, writers);
    }

    private async ValueTask WaitAndRecordAsync(StatsRecord record, CancellationToken cancellationToken)
    {
        try
        {
            await _queue.WriteAsync(record, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException e)
        {
            throw new StatsPipelineException($"Step {record.Step} was not recorded: the statistics pipeline has stopped ({_dispatcher.StopReason?.Message ?? "shutdown"}).", e);
        }

        _lastStep = record.Step;
    }

    private void ThrowIfStopped()
    {
        if (_dispatcher.StopReason is { } stopped)
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
}
