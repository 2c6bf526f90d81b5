using System.Diagnostics;
using Jaqmc.Service.Pipeline;
using Jaqmc.Sinks;
using Microsoft.Extensions.Logging;

namespace Jaqmc.Service.Spool;

/// <summary>
/// Drains a spool into its remote writer on a thread of its own: replays the frames in order (stage opens, batches
/// of up to <see cref="WriterOptions.MaxBatchSize"/> records, stage closes) through the writer's retry policy,
/// which retries forever by default and logs an outage once when it starts and once when it ends, and deletes a
/// segment once everything in it is committed.
/// </summary>
/// <remarks>
/// A batch goes out once the first of its records has waited <see cref="WriterOptions.FlushInterval"/> (at most
/// <see cref="MaxUploadDelay"/>), with whatever was appended meanwhile: appends do not wake the thread, so a full batch,
/// a stage's open or close and a half-full spool are seen when that wait ends; the stop ends it at once. A transaction
/// per pump batch (every few milliseconds) cost the process more CPU, and the server more, than the training leaves idle.
/// </remarks>
internal sealed class SpoolUploader
{
    /// <summary>
    /// The longest a record waits for its upload: a live view of PostgreSQL (jaqmc dashboard, Grafana) then follows a
    /// healthy run within a second, and four commits a second still cost a small part of one per pump batch.
    /// </summary>
    internal static readonly TimeSpan MaxUploadDelay = TimeSpan.FromMilliseconds(250);

    private readonly Spool _spool;
    private readonly Func<IRemoteStatsWriter> _create;
    private readonly int _maxBatch;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;
    private readonly TaskCompletionSource _hurry = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly PipelineMetrics _metrics;
    private readonly ILogger _logger;
    private readonly WriterRetryPolicy _retry;
    private readonly KeyValuePair<string, object?> _tag;
    private readonly List<StatsRecord> _batch;
    private IRemoteStatsWriter? _writer;
    private WriterContext? _context;
    private long _batchStarted;
    private volatile bool _stopWhenEmpty;

    public SpoolUploader(Spool spool, Func<IRemoteStatsWriter> create, WriterOptions options, PipelineMetrics metrics, ILogger logger, TimeProvider time)
    {
        _spool = spool;
        _create = create;
        _maxBatch = options.MaxBatchSize;
        _interval = options.FlushInterval < MaxUploadDelay ? options.FlushInterval : MaxUploadDelay;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _tag = new("writer", spool.Name);
        _batch = new List<StatsRecord>(Math.Min(_maxBatch, 65536));
        _retry = new WriterRetryPolicy(spool.Name, options.Retry, metrics, logger, time, () => (int)Math.Min(int.MaxValue, spool.Backlog));
    }

    public Task Completion { get; private set; } = Task.CompletedTask;

    /// <summary>The error that stopped the upload, if one did.</summary>
    public Exception? Fault { get; private set; }

    /// <summary>Whether the store is failing right now (between the first failed call and the next success).</summary>
    public bool InOutage => _retry.InOutage;

    /// <summary>Calls to the store begun so far (see <see cref="FailedSince"/>).</summary>
    public long Attempts => _retry.Attempts;

    /// <summary>Whether a call to the store begun after the first <paramref name="attempts"/> has failed.</summary>
    public bool FailedSince(long attempts) => _retry.LastFailedAttempt > attempts;

    /// <summary>A retry waiting out its backoff is tried now, and the next failure is retried at once (at stop).</summary>
    public void CutBackoff() => _retry.CutBackoff();

    /// <summary>Starts draining; <paramref name="onFault"/> hears of an error that retrying cannot fix.</summary>
    public void Start(Action<Exception> onFault, CancellationToken abort) => Completion = RunOnOwnThreadAsync(onFault, abort);

    /// <summary>Ends the upload once the spool is empty (nothing more will be appended).</summary>
    public void StopWhenEmpty()
    {
        _stopWhenEmpty = true;
        _hurry.TrySetResult();
        _spool.Wake();
    }

    private async Task RunOnOwnThreadAsync(Action<Exception> onFault, CancellationToken abort)
    {
        var thread = new DedicatedThreadContext("Spool upload " + _spool.Name);
        try
        {
            await thread.RunAsync(() => RunAsync(onFault, abort)).ConfigureAwait(false);
        }
        finally
        {
            thread.Complete();
        }
    }

    private async Task RunAsync(Action<Exception> onFault, CancellationToken abort)
    {
        SpoolSegmentReader? reader = null;
        SpoolSegment? segment = null;
        try
        {
            while (true)
            {
                var changed = _spool.Changed;
                var oldest = _spool.Oldest;
                if (oldest is null)
                {
                    if (_stopWhenEmpty)
                    {
                        return;
                    }

                    await changed.WaitAsync(abort).ConfigureAwait(true);
                    continue;
                }

                if (!ReferenceEquals(segment, oldest))
                {
                    reader?.Dispose();
                    reader = SpoolSegmentReader.Open(oldest.Path);
                    segment = oldest;
                }

                var (length, isSealed) = _spool.Readable(segment);
                var progressed = false;
                while (reader!.Read(length) is { } frame)
                {
                    progressed = true;
                    if (frame.Kind == SpoolFrameKind.Records)
                    {
                        if (_batch.Count == 0)
                        {
                            _batchStarted = _time.GetTimestamp();
                        }

                        _batch.AddRange(frame.Records);
                        if (_batch.Count >= _maxBatch)
                        {
                            await UploadBatchAsync(abort).ConfigureAwait(true);
                        }

                        continue;
                    }

                    await UploadBatchAsync(abort).ConfigureAwait(true);
                    await ApplyAsync(frame, abort).ConfigureAwait(true);
                    if (SpoolCodec.IsStageChange(frame.Kind))
                    {
                        _spool.MarkStageChangeUploaded();
                    }
                }

                if (!isSealed && await WaitForMoreAsync(abort).ConfigureAwait(true))
                {
                    continue;
                }

                await UploadBatchAsync(abort).ConfigureAwait(true);
                if (isSealed && (reader.Offset >= length || reader.Damaged))
                {
                    if (reader.Damaged)
                    {
                        SpoolLog.Damaged(_logger, _spool.Name, segment.Path, reader.Offset, segment.FileBytes);
                    }

                    reader.Dispose();
                    reader = null;
                    segment = null;
                    _spool.Delete(oldest);
                    continue;
                }

                if (!progressed)
                {
                    await changed.WaitAsync(abort).ConfigureAwait(true);
                }
            }
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            // Stopped (the shutdown deadline, or a stop during an outage): the spool keeps what is left.
        }
        catch (Exception e)
        {
            Fault = e;
            SpoolLog.UploadFailed(_logger, e, _spool.Name, e.Message, _spool.Backlog, _spool.Directory);
            onFault(e);
        }
        finally
        {
            reader?.Dispose();
            await DisposeWriterAsync().ConfigureAwait(true);
        }
    }

    /// <summary>
    /// Gives a batch that is neither full nor due time to grow: waits until its oldest record has waited the
    /// interval, or the stop; appends in the meantime do not wake the thread.
    /// </summary>
    /// <returns>Whether it waited (read the spool again before uploading).</returns>
    private async ValueTask<bool> WaitForMoreAsync(CancellationToken abort)
    {
        var wait = _interval - _time.GetElapsedTime(_batchStarted);
        if (_batch.Count == 0 || wait <= TimeSpan.Zero || _stopWhenEmpty || _spool.Bytes > _spool.MaxBytes / 2)
        {
            return false;
        }

        await Task.WhenAny(_hurry.Task, Task.Delay(wait, _time, abort)).ConfigureAwait(true);
        abort.ThrowIfCancellationRequested();
        return true;
    }

    private async ValueTask ApplyAsync(SpoolFrame frame, CancellationToken abort)
    {
        switch (frame.Kind)
        {
            case SpoolFrameKind.StageOpen:
                // A stage left open by a process that died: its next open (this one) sets its status.
                await OpenWriterAsync(frame.Context!, continuing: false, abort).ConfigureAwait(true);
                break;

            case SpoolFrameKind.StageContinue when _writer is null || _context != frame.Context:
                await OpenWriterAsync(frame.Context!, continuing: true, abort).ConfigureAwait(true);
                break;

            case SpoolFrameKind.StageClose when _writer is { } writer:
                await _retry.ExecuteAsync("close", ct => writer.CloseAsync(frame.Outcome, ct), abort).ConfigureAwait(true);
                await DisposeWriterAsync().ConfigureAwait(true);
                break;
        }
    }

    private async ValueTask OpenWriterAsync(WriterContext context, bool continuing, CancellationToken abort)
    {
        await DisposeWriterAsync().ConfigureAwait(true);
        var writer = _writer = _create();
        await _retry.ExecuteAsync(
            "open",
            ct => continuing ? writer.ContinueAsync(context, ct) : writer.OpenAsync(context, ct),
            abort).ConfigureAwait(true);
        _context = context;
    }

    private async ValueTask UploadBatchAsync(CancellationToken abort)
    {
        if (_batch.Count == 0)
        {
            return;
        }

        if (_writer is not { } writer || _context is null)
        {
            SpoolLog.Orphans(_logger, _spool.Name, _batch.Count);
        }
        else
        {
            var started = Stopwatch.GetTimestamp();
            await _retry.ExecuteAsync("write", ct => writer.WriteAsync(_batch, ct), abort).ConfigureAwait(true);
            _metrics.BatchDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, new KeyValuePair<string, object?>("writer", _spool.Name + ".upload"));
            _metrics.Uploaded.Add(_batch.Count, _tag);
        }

        _spool.MarkUploaded(_batch.Count);
        _batch.Clear();
    }

    private async ValueTask DisposeWriterAsync()
    {
        var writer = _writer;
        _writer = null;
        _context = null;
        if (writer is not null)
        {
            try
            {
                await writer.DisposeAsync().ConfigureAwait(true);
            }
            catch (Exception e)
            {
                PipelineLog.WriterDisposeFailed(_logger, e, _spool.Name);
            }
        }
    }
}
