using Jaqmc.Service.Pipeline;
using Jaqmc.Sinks;
using Jaqmc.Sinks.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Jaqmc.Service.Spool;

/// <summary>
/// The spools of the remote writers (<see cref="IRemoteStatsWriter"/> with <see cref="SpoolOptions.Enabled"/>),
/// one per writer for the life of the process on the master: opened and uploading from the start (so what an
/// earlier run left goes first), written by each stage's <see cref="SpoolingWriter"/>, and at stop sealed, drained
/// while the store answers, and reported.
/// </summary>
internal sealed class RemoteSpools : IStatsSpoolSync, IAsyncDisposable
{
    /// <summary>After Ctrl+C or SIGTERM, an upload still in an outage this long after the stop is left for the next start.</summary>
    private static readonly TimeSpan InterruptedOutageGrace = TimeSpan.FromSeconds(1);

    /// <summary>How often the stop looks at the uploads.</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(25);

    private readonly StatsWriterRegistration[] _registrations;
    private readonly IServiceProvider _services;
    private readonly RunOptions _run;
    private readonly PipelineOptions _pipeline;
    private readonly bool _master;
    private readonly PipelineMetrics _metrics;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _abort = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.OrdinalIgnoreCase);
    private Action<Exception> _onFault = static _ => { };
    private bool _started;
    private bool _stopped;

    public RemoteSpools(
        IEnumerable<StatsWriterRegistration> registrations,
        IServiceProvider services,
        IOptions<RunOptions> run,
        IOptions<PipelineOptions> pipeline,
        IOptions<DistributedOptions> distributed,
        PipelineMetrics metrics,
        ILoggerFactory loggerFactory,
        TimeProvider time)
    {
        _registrations = registrations.ToArray();
        _services = services;
        _run = run.Value;
        _pipeline = pipeline.Value;
        _master = distributed.Value.IsMaster;
        _metrics = metrics;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<RemoteSpools>();
        _time = time;
        metrics.ObserveSpools(() => Spools.ToArray());
    }

    /// <summary>The spools that are open.</summary>
    public IEnumerable<Spool> Spools => _entries.Values.Select(e => e.Spool);

    /// <summary>Whether the writer registered as <paramref name="registration"/> goes through a spool.</summary>
    public static bool IsSpooled(StatsWriterRegistration registration, WriterOptions options) =>
        options is RemoteWriterOptions { Enabled: true, Spool.Enabled: true }
        && typeof(IRemoteStatsWriter).IsAssignableFrom(registration.WriterType);

    /// <summary>Opens every remote writer's spool in <c>Run:WorkingDirectory</c> and starts uploading; a spool that cannot be opened is reported through <paramref name="onFault"/>.</summary>
    public void Start(Action<Exception> onFault)
    {
        if (_started || !_master)
        {
            return;
        }

        _started = true;
        _onFault = onFault;
        Open(_run.FullWorkingDirectory, stopWhenEmpty: false);
    }

    /// <summary>For <c>jaqmc sync</c>: opens the spools of <paramref name="workingDirectory"/> and uploads until they are empty.</summary>
    public IReadOnlyList<Spool> StartSync(string workingDirectory, Action<Exception> onFault)
    {
        _started = true;
        _onFault = onFault;
        Open(workingDirectory, stopWhenEmpty: true);
        return Spools.ToArray();
    }

    /// <inheritdoc />
    public async Task<SpoolSyncResult> SyncAsync(string workingDirectory, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        Exception? fault = null;
        var opened = StartSync(workingDirectory, e => fault ??= e);
        using var stop = cancellationToken.Register(() => StartShutdownDeadline(TimeSpan.Zero));
        var all = Completion;
        while (!all.IsCompleted)
        {
            await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(1), _time)).ConfigureAwait(false);
            progress?.Report(opened.Sum(s => s.Uploaded));
        }

        await StopAsync(interrupted: cancellationToken.IsCancellationRequested).ConfigureAwait(false);
        return new SpoolSyncResult(opened.Sum(s => s.Uploaded), opened.Sum(s => s.Backlog), opened.Sum(s => s.StageChanges), fault);
    }

    /// <summary>Completes when every uploader has stopped.</summary>
    public Task Completion => Task.WhenAll(_entries.Values.Select(e => e.Uploader.Completion));

    /// <summary>The stage's writer for a spooled registration: it appends to the spool; null for any other writer.</summary>
    public IStatsWriter? CreateWriter(StatsWriterRegistration registration) =>
        _entries.TryGetValue(registration.Name, out var entry)
            ? new SpoolingWriter(entry.Spool, entry.Appender, _pipeline.FullMode, _metrics, _loggerFactory.CreateLogger($"Jaqmc.Writers.{registration.Name}"))
            : null;

    /// <summary>When the host is asked to stop: the uploads get at most <paramref name="timeout"/> to drain.</summary>
    public void StartShutdownDeadline(TimeSpan timeout)
    {
        try
        {
            _abort.CancelAfter(timeout);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>
    /// Seals every spool and lets each upload drain, its backoff cut short so a store that is back is written at
    /// once. An upload stops waiting when a call begun after the stop fails (the store is unreachable), when the
    /// shutdown deadline passes, or, when <paramref name="interrupted"/> (Ctrl+C, SIGTERM), when it is still in an
    /// outage a moment after the stop. Logs what stays spooled, records and stage opens/closes, with how to upload it.
    /// </summary>
    public async Task StopAsync(bool interrupted)
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        var entries = _entries.Values.ToArray();
        var attemptsAtStop = new long[entries.Length];
        for (var i = 0; i < entries.Length; i++)
        {
            try
            {
                entries[i].Appender.Seal();
            }
            catch (IOException)
            {
                // Reported by the writer that failed on it; the frames before stay readable.
            }

            attemptsAtStop[i] = entries[i].Uploader.Attempts;
            entries[i].Uploader.StopWhenEmpty();
            entries[i].Uploader.CutBackoff();
        }

        var all = Completion;
        var stoppedAt = _time.GetTimestamp();
        while (!all.IsCompleted && !_abort.IsCancellationRequested)
        {
            var interruptedOutage = interrupted && _time.GetElapsedTime(stoppedAt) > InterruptedOutageGrace;
            if (entries.Select((e, i) => e.Uploader.Completion.IsCompleted
                    || e.Uploader.FailedSince(attemptsAtStop[i])
                    || (interruptedOutage && e.Uploader.InOutage))
                .All(done => done))
            {
                break;
            }

            await Task.WhenAny(all, Task.Delay(PollInterval, _time)).ConfigureAwait(false);
        }

        await _abort.CancelAsync().ConfigureAwait(false);
        await WaitBrieflyAsync(all).ConfigureAwait(false);
        foreach (var entry in entries)
        {
            var (records, stageChanges) = (entry.Spool.Backlog, entry.Spool.StageChanges);
            if (records > 0 || stageChanges > 0)
            {
                SpoolLog.LeftSpooled(_logger, entry.Spool.Name, records, stageChanges, entry.Spool.Directory, _run.WorkingDirectory);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _abort.CancelAsync().ConfigureAwait(false);
        await WaitBrieflyAsync(Completion).ConfigureAwait(false);
        foreach (var entry in _entries.Values)
        {
            entry.Appender.Dispose();
            entry.Spool.Dispose();
        }

        _abort.Dispose();
    }

    /// <summary>
    /// Gives cancelled uploads a moment to end. One still inside a call (a connection attempt on a starved machine)
    /// is left behind: everything it could touch is fsynced in the spool, and a batch it may still commit is
    /// replayed, idempotently, by the next upload.
    /// </summary>
    private static Task WaitBrieflyAsync(Task uploads) =>
        uploads.WaitAsync(TimeSpan.FromSeconds(2)).ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);

    private void Open(string workingDirectory, bool stopWhenEmpty)
    {
        foreach (var registration in _registrations)
        {
            var options = registration.GetOptions(_services);
            if (!IsSpooled(registration, options))
            {
                continue;
            }

            var remote = (RemoteWriterOptions)options;
            var spool = new Spool(registration.Name, remote.Spool.ResolveDirectory(workingDirectory, registration.Name), remote.Spool, _time);
            try
            {
                spool.Open();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                spool.Dispose();
                SpoolLog.OpenFailed(_logger, registration.Name, e.Message);
                _onFault(new PermanentWriterException($"Writer {registration.Name} cannot open its spool: {e.Message}", e));
                continue;
            }

            var logger = _loggerFactory.CreateLogger($"Jaqmc.Writers.{registration.Name}");
            if (spool.Backlog > 0)
            {
                SpoolLog.Found(logger, registration.Name, spool.Backlog, spool.Directory);
            }

            var uploader = new SpoolUploader(spool, () => (IRemoteStatsWriter)registration.Create(_services), remote, _metrics, logger, _time);
            _entries[registration.Name] = new Entry(spool, new SpoolAppender(spool, _time), uploader);
            if (stopWhenEmpty)
            {
                uploader.StopWhenEmpty();
            }

            uploader.Start(_onFault, _abort.Token);
        }
    }

    private sealed record Entry(Spool Spool, SpoolAppender Appender, SpoolUploader Uploader);
}
