using Jaqmc.Sinks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Jaqmc.Remote;

/// <summary>
/// An <see cref="IStatsRecorder"/> that sends to <c>jaqmc serve</c> instead of writing in this process: the same
/// loop code records locally (<c>AddStatsPipeline</c>) or remotely (<c>AddRemoteStatsRecorder</c>) by configuration.
/// </summary>
/// <remarks>
/// <see cref="RecordAsync"/> queues (waiting only when <see cref="RemoteRecorderOptions.QueueCapacity"/> records are
/// held); a background loop sends batches and keeps each until the server acknowledges it as written and flushed by
/// every writer. <see cref="FlushAsync"/> is the flush barrier: it completes when the server has acknowledged every
/// step recorded so far, so a checkpoint saved after it never claims a step the server lacks. An outage is logged
/// once; batches are kept and sent again when the server is back, and the server skips steps it already holds.
/// </remarks>
public sealed class RemoteStatsRecorder : IStatsRecorder, IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly RemoteRecorderOptions _options;
    private readonly ILogger _logger;
    private RemoteStageSender? _sender;
    private string? _stage;
    private long _lastStep;

    /// <summary>Creates a recorder for <paramref name="options"/>.</summary>
    /// <param name="options">The server, the run and the limits.</param>
    /// <param name="logger">Where outages and refusals are logged.</param>
    /// <param name="http">A client to send with (default: one of its own).</param>
    public RemoteStatsRecorder(IOptions<RemoteRecorderOptions> options, ILogger<RemoteStatsRecorder>? logger = null, HttpClient? http = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _ownsHttp = http is null;
        _http = http ?? new HttpClient(new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) }) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>The last step the server acknowledged as durable in the open stage (initial step − 1 before any).</summary>
    public long AcknowledgedStep => _sender?.Acknowledged ?? -1;

    /// <inheritdoc />
    public ValueTask BeginStageAsync(string stage, long initialStep, CancellationToken cancellationToken = default)
    {
        StagePath.ValidateStage(stage);
        if (_stage is not null)
        {
            throw new InvalidOperationException($"Stage '{_stage}' is still open; end it before beginning '{stage}'.");
        }

        _sender = new RemoteStageSender(_http, _options, _logger, stage, initialStep);
        _stage = stage;
        _lastStep = initialStep - 1;
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask RecordAsync(StatsRecord record, CancellationToken cancellationToken = default)
    {
        var sender = _sender ?? throw new InvalidOperationException("RecordAsync was called outside a stage: call BeginStageAsync first.");
        if (!string.Equals(record.Stage, _stage, StringComparison.Ordinal))
        {
            throw new StatsPipelineException($"A record for stage '{record.Stage}' arrived while stage '{_stage}' is open.");
        }

        if (record.Step <= _lastStep)
        {
            throw new StatsPipelineException($"Step {record.Step} of stage '{_stage}' is not after the previous step {_lastStep}: steps must increase within a stage; the record was not sent.");
        }

        if (sender.Fault is { } fault)
        {
            throw new StatsPipelineException(fault.Message, fault);
        }

        _lastStep = record.Step;
        return sender.WriteAsync(record, cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask FlushAsync(long step, CancellationToken cancellationToken = default)
    {
        if (_sender is { } sender)
        {
            await sender.WaitAcknowledgedAsync(_lastStep, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask EndStageAsync(StageOutcome outcome, CancellationToken cancellationToken = default)
    {
        if (_sender is not { } sender)
        {
            return;
        }

        _sender = null;
        _stage = null;
        await sender.CloseAsync(outcome.ToString().ToLowerInvariant(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Ends an open stage as interrupted (sending what is held, within the close timeout) and releases the client.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await EndStageAsync(StageOutcome.Interrupted).ConfigureAwait(false);
        }
        finally
        {
            if (_ownsHttp)
            {
                _http.Dispose();
            }
        }
    }
}
