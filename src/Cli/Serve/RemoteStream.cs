using System.Diagnostics;
using Jaqmc.Sinks;

namespace Jaqmc.Cli.Serve;

/// <summary>
/// One open stream: a run's stage, the client session that opened it and its own pipeline. Batches are appended one
/// at a time; a step is acknowledged (<see cref="DurableStep"/>) only after the pipeline's flush barrier, and a
/// batch sent again after a lost acknowledgement skips the steps already durable instead of writing them twice.
/// </summary>
internal sealed class RemoteStream
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly StreamPipeline _pipeline;
    private readonly ServeMetrics _metrics;
    private readonly KeyValuePair<string, object?>[] _tags;
    private StatsKeys? _keys;
    private long _durableStep;
    private Exception? _fault;
    private bool _closed;

    public RemoteStream(string id, string run, string stage, string session, long initialStep, StreamPipeline pipeline, ServeMetrics metrics)
    {
        Id = id;
        Run = run;
        Stage = stage;
        Session = session;
        InitialStep = initialStep;
        Opened = DateTimeOffset.UtcNow;
        _pipeline = pipeline;
        _metrics = metrics;
        _tags = [new("run", run), new("stage", stage)];
        _durableStep = initialStep - 1;
    }

    public string Id { get; }

    public string Run { get; }

    public string Stage { get; }

    public string Session { get; }

    public long InitialStep { get; }

    public DateTimeOffset Opened { get; }

    /// <summary>The last step every writer has flushed (initial step − 1 before the first).</summary>
    public long DurableStep => Interlocked.Read(ref _durableStep);

    public long Records => Interlocked.Read(ref _records);

    public long Skipped => Interlocked.Read(ref _skipped);

    public long Batches => Interlocked.Read(ref _batches);

    public bool IsFaulted => Volatile.Read(ref _fault) is not null;

    private long _records;
    private long _skipped;
    private long _batches;

    /// <summary>Writes the rows after <see cref="DurableStep"/> and returns once they are durable.</summary>
    /// <exception cref="BadRequestException">The stream is closed or failed (the client opens it again).</exception>
    public async Task<long> AppendAsync(RecordBatch batch)
    {
        var started = Stopwatch.GetTimestamp();

        // Not the request's token: a record handed to the pipeline is flushed and counted even if the client is gone,
        // so DurableStep always says what the files hold.
        await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            ThrowIfUnusable();
            var durable = _durableStep;
            var first = 0;
            while (first < batch.Count && batch.Steps[first] <= durable)
            {
                first++;
            }

            _metrics.Skipped(first, _tags);
            Interlocked.Add(ref _skipped, first);
            if (first == batch.Count)
            {
                return durable;
            }

            var keys = _keys is not null && _keys.SequenceEqual(batch.Keys, StringComparer.Ordinal) ? _keys : _keys = batch.Keys;
            try
            {
                for (var i = first; i < batch.Count; i++)
                {
                    await _pipeline.Recorder.RecordAsync(new StatsRecord(Stage, batch.Steps[i], keys, batch.Values[i]), CancellationToken.None).ConfigureAwait(false);
                }

                var last = batch.Steps[^1];
                await _pipeline.Recorder.FlushAsync(last, CancellationToken.None).ConfigureAwait(false);
                Interlocked.Exchange(ref _durableStep, last);
            }
            catch (Exception e) when (e is StatsPipelineException or InvalidOperationException)
            {
                Volatile.Write(ref _fault, e);
                throw new BadRequestException($"stream {Id} ({Run}/{Stage}) failed: {e.Message.ReplaceLineEndings(" ")}; open it again to resume after step {durable}", 503);
            }

            var written = batch.Count - first;
            Interlocked.Add(ref _records, written);
            Interlocked.Increment(ref _batches);
            _metrics.Written(written, Stopwatch.GetElapsedTime(started), _tags);
            return _durableStep;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Ends the stage (<paramref name="outcome"/>), drains and closes the writers.</summary>
    public async Task<long> CloseAsync(StageOutcome outcome)
    {
        await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            if (_closed)
            {
                return _durableStep;
            }

            _closed = true;
            try
            {
                if (_fault is null)
                {
                    await _pipeline.Recorder.EndStageAsync(outcome, CancellationToken.None).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is StatsPipelineException or InvalidOperationException)
            {
                _fault = e;
            }
            finally
            {
                await _pipeline.DisposeAsync().ConfigureAwait(false);
            }

            return _durableStep;
        }
        finally
        {
            _gate.Release();
        }
    }

    private void ThrowIfUnusable()
    {
        if (_closed)
        {
            throw new BadRequestException($"stream {Id} is closed: open it again", 404);
        }

        if (_fault is { } fault)
        {
            throw new BadRequestException($"stream {Id} ({Run}/{Stage}) failed: {fault.Message.ReplaceLineEndings(" ")}; open it again to resume after step {_durableStep}", 503);
        }
    }
}
