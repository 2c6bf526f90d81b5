using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Jaqmc.Sinks;
using Microsoft.Extensions.Logging;

namespace Jaqmc.Remote;

/// <summary>
/// One stage's connection to the server: takes records from a bounded channel, cuts them into batches, sends them
/// one after another and keeps each until the server acknowledges it as durable. A failed request is retried with
/// backoff; a stream the server no longer knows (it restarted) is opened again at the step after the last
/// acknowledgement, and the unacknowledged batches are sent again.
/// </summary>
internal sealed class RemoteStageSender
{
    private readonly HttpClient _http;
    private readonly RemoteRecorderOptions _options;
    private readonly ILogger _logger;
    private readonly string _stage;
    private readonly long _initialStep;
    private readonly string _session = Guid.NewGuid().ToString("N");
    private readonly Channel<StatsRecord> _records;
    private readonly Queue<(long LastStep, int Count, byte[] Body)> _unacked = new();
    private readonly List<StatsRecord> _cut = [];
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _ackLock = new();
    private readonly List<(long Step, TaskCompletionSource Done)> _waiters = [];
    private readonly CancellationTokenSource _stop = new();
    private string? _streamId;
    private long _acked;
    private long _held;
    private string _outcome = "completed";
    private long _outageStarted;
    private Exception? _fault;

    public RemoteStageSender(HttpClient http, RemoteRecorderOptions options, ILogger logger, string stage, long initialStep)
    {
        _http = http;
        _options = options;
        _logger = logger;
        _stage = stage;
        _initialStep = initialStep;
        _acked = initialStep - 1;
        _records = Channel.CreateBounded<StatsRecord>(new BoundedChannelOptions(options.QueueCapacity) { SingleReader = true, SingleWriter = true });
        Loop = Task.Run(RunAsync);
    }

    public Task Loop { get; }

    public long Acknowledged => Interlocked.Read(ref _acked);

    public Exception? Fault => Volatile.Read(ref _fault);

    public ValueTask WriteAsync(StatsRecord record, CancellationToken cancellationToken) =>
        _records.Writer.TryWrite(record) ? ValueTask.CompletedTask : _records.Writer.WriteAsync(record, cancellationToken);

    /// <summary>Completes when every step up to <paramref name="step"/> is acknowledged.</summary>
    public Task WaitAcknowledgedAsync(long step, CancellationToken cancellationToken)
    {
        lock (_ackLock)
        {
            if (_acked >= step)
            {
                return Task.CompletedTask;
            }

            if (_fault is { } fault)
            {
                return Task.FromException(fault);
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((step, done));
            return done.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Sends what is left, closes the stream with <paramref name="outcome"/>; gives up after the close timeout.</summary>
    public async Task CloseAsync(string outcome, CancellationToken cancellationToken)
    {
        _outcome = outcome;
        _records.Writer.TryComplete();
        try
        {
            await Loop.WaitAsync(_options.CloseTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            throw new StatsPipelineException($"Stage '{_stage}' of run '{_options.Run}' was not acknowledged within Remote:CloseTimeout={_options.CloseTimeout}: {Interlocked.Read(ref _held)} records after step {Acknowledged} were not confirmed; resume from the last checkpoint to send them again.");
        }

        if (_fault is { } fault)
        {
            throw fault;
        }
    }

    private async Task RunAsync()
    {
        var delay = _options.RetryDelay;
        var reader = _records.Reader;
        var done = false;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                if (_unacked.Count == 0 && !done)
                {
                    done = !await reader.WaitToReadAsync(_stop.Token).ConfigureAwait(false);
                }

                _streamId ??= await OpenAsync().ConfigureAwait(false);
                await SendAsync(reader).ConfigureAwait(false);
                EndOutage();
                delay = _options.RetryDelay;
                done = reader.Completion.IsCompleted && _unacked.Count == 0;
                if (done)
                {
                    await PostAsync($"/v1/streams/{_streamId}/close", Encoding.UTF8.GetBytes($"{{\"outcome\":\"{_outcome}\"}}")).ConfigureAwait(false);
                    return;
                }
            }
            catch (StreamGoneException)
            {
                _streamId = null;
            }
            catch (RejectedException e)
            {
                Fail(new StatsPipelineException($"The server refused stage '{_stage}' of run '{_options.Run}': {e.Message}", e));
                return;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException or UnavailableException && !_stop.IsCancellationRequested)
            {
                BeginOutage(e);
                try
                {
                    await Task.Delay(delay, _stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxRetryDelay.Ticks));
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Sends every unacknowledged batch in order, cutting the next one while the previous is in flight.</summary>
    private async Task SendAsync(ChannelReader<StatsRecord> reader)
    {
        Cut(reader);
        while (_unacked.Count > 0)
        {
            var (lastStep, count, body) = _unacked.Peek();
            var sending = PostAsync($"/v1/streams/{_streamId}/records", body);
            if (_unacked.Count < 2)
            {
                Cut(reader);
            }

            JsonElement reply;
            try
            {
                reply = await sending.ConfigureAwait(false);
            }
            catch (RejectedException e)
            {
                _unacked.Dequeue();
                Interlocked.Add(ref _held, -count);
                RemoteLog.Rejected(_logger, count, _options.Run, _stage, lastStep, e.Message);
                Fail(new StatsPipelineException($"The server refused {count} records of stage '{_stage}' up to step {lastStep}: {e.Message}", e));
                throw;
            }

            Acknowledge(reply.GetProperty("durable_step").GetInt64());
            if (_unacked.Count == 0)
            {
                Cut(reader);
            }
        }
    }

    private void Cut(ChannelReader<StatsRecord> reader)
    {
        _cut.Clear();
        StatsKeys? keys = null;
        while (_cut.Count < _options.MaxBatchSize && reader.TryPeek(out var next))
        {
            if (keys is not null && !ReferenceEquals(keys, next.Keys) && !keys.SequenceEqual(next.Keys, StringComparer.Ordinal))
            {
                break;
            }

            reader.TryRead(out var record);
            keys ??= record.Keys;
            _cut.Add(record);
        }

        if (_cut.Count > 0)
        {
            _unacked.Enqueue((_cut[^1].Step, _cut.Count, RemoteBatchWriter.Write(keys!, _cut, 0, _cut.Count)));
            Interlocked.Add(ref _held, _cut.Count);
        }
    }

    private async Task<string> OpenAsync()
    {
        var start = Acknowledged < _initialStep ? _initialStep : Acknowledged + 1;
        var body = OpenRequest(_options.Run, _stage, start, _session);
        var reply = await PostAsync("/v1/streams", body).ConfigureAwait(false);
        Acknowledge(reply.GetProperty("durable_step").GetInt64());
        return reply.GetProperty("stream").GetString()!;
    }

    /// <summary>The body of <c>POST /v1/streams</c>, written without reflection.</summary>
    private static byte[] OpenRequest(string run, string stage, long initialStep, string session)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("run", run);
            json.WriteString("stage", stage);
            json.WriteNumber("initial_step", initialStep);
            json.WriteString("session", session);
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private void Acknowledge(long durable)
    {
        lock (_ackLock)
        {
            if (durable > _acked)
            {
                _acked = durable;
            }

            while (_unacked.TryPeek(out var batch) && batch.LastStep <= _acked)
            {
                _unacked.Dequeue();
                Interlocked.Add(ref _held, -batch.Count);
            }

            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Step <= _acked)
                {
                    _waiters[i].Done.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    private void Fail(Exception fault)
    {
        lock (_ackLock)
        {
            _fault ??= fault;
            foreach (var (_, done) in _waiters)
            {
                done.TrySetException(fault);
            }

            _waiters.Clear();
        }

        _records.Writer.TryComplete(fault);
    }

    private async Task<JsonElement> PostAsync(string path, byte[] body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_options.Url, path)) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (_options.Token.Length > 0)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.Token);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(_options.RequestTimeout);
        using var response = await _http.SendAsync(request, timeout.Token).ConfigureAwait(false);
        var bytes = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.OK)
        {
            return JsonDocument.Parse(bytes).RootElement.Clone();
        }

        var message = ErrorMessage(bytes, response.StatusCode);
        throw response.StatusCode switch
        {
            HttpStatusCode.NotFound => new StreamGoneException(message),
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or >= HttpStatusCode.InternalServerError => new UnavailableException(message),
            _ => new RejectedException(message),
        };
    }

    private static string ErrorMessage(byte[] body, HttpStatusCode status)
    {
        try
        {
            return $"{(int)status}: {JsonDocument.Parse(body).RootElement.GetProperty("error").GetString()}";
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return $"{(int)status}: {Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(body.Length, 200)))}";
        }
    }

    private void BeginOutage(Exception e)
    {
        if (_outageStarted == 0)
        {
            _outageStarted = Stopwatch.GetTimestamp();
            RemoteLog.Outage(_logger, _options.Url, e.Message.ReplaceLineEndings(" "), Interlocked.Read(ref _held) + _records.Reader.Count, _options.Run, _stage);
        }
    }

    private void EndOutage()
    {
        if (_outageStarted != 0)
        {
            RemoteLog.Recovered(_logger, _options.Url, Stopwatch.GetElapsedTime(_outageStarted).TotalSeconds, _options.Run, _stage);
            _outageStarted = 0;
        }
    }

    private sealed class StreamGoneException(string message) : Exception(message);

    private sealed class UnavailableException(string message) : Exception(message);

    private sealed class RejectedException(string message) : Exception(message);
}
