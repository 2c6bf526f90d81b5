using Jaqmc.Sinks;
using Microsoft.Extensions.Logging;
using Polly.Retry;
using Polly;

namespace Jaqmc.Service.Pipeline;

/// <summary>
/// Runs a writer's calls with its retry settings (<see cref="WriterRetryOptions"/>): exponential backoff with
/// jitter for transient errors, and an outage logged once when it starts and once when it ends.
/// </summary>
/// <remarks>Used from the writer's own thread only.</remarks>
internal sealed class WriterRetryPolicy
{
    private readonly string _writer;
    private readonly PipelineMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Func<int> _queued;
    private readonly KeyValuePair<string, object?> _tag;
    private readonly ResiliencePipeline _pipeline;
    private long _outageStart;
    private int _outageRetries;
    private string? _outageError;

    public WriterRetryPolicy(string writer, WriterRetryOptions retry, PipelineMetrics metrics, ILogger logger, TimeProvider time, Func<int> queued)
    {
        _writer = writer;
        _metrics = metrics;
        _logger = logger;
        _time = time;
        _queued = queued;
        _tag = new("writer", writer);
        _pipeline = Build(retry);
    }

    /// <summary>Whether calls are failing now: between the first failed attempt and the next success.</summary>
    public bool InOutage => Volatile.Read(ref _outageRetries) > 0;

    /// <summary>Runs <paramref name="call"/>, retrying transient failures; awaits come back to the caller's thread.</summary>
    public async ValueTask ExecuteAsync(string operation, Func<CancellationToken, ValueTask> call, CancellationToken abort)
    {
        var context = ResilienceContextPool.Shared.Get(operation, continueOnCapturedContext: true, abort);
        try
        {
            await _pipeline.ExecuteAsync(static (ctx, state) => state(ctx.CancellationToken), context, call).ConfigureAwait(true);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }

        if (_outageRetries > 0)
        {
            PipelineLog.OutageEnded(_logger, _writer, _time.GetElapsedTime(_outageStart).TotalSeconds, _outageRetries, _outageError);
            Volatile.Write(ref _outageRetries, 0);
        }
    }

    /// <summary>Errors that retrying cannot fix: the writer stops at once.</summary>
    public static bool IsTransient(Exception e) => e is not (
        PermanentWriterException
        or OperationCanceledException
        or ArgumentException
        or NotSupportedException
        or UnauthorizedAccessException
        or InvalidOperationException);

    private ResiliencePipeline Build(WriterRetryOptions retry)
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
                OnRetry = OnRetry,
            });
        }

        return builder.Build();
    }

    private ValueTask OnRetry(OnRetryArguments<object> args)
    {
        _metrics.WriteFailures.Add(1, _tag);
        var error = args.Outcome.Exception?.Message ?? "unknown error";
        if (_outageRetries++ == 0)
        {
            _outageStart = _time.GetTimestamp();
            PipelineLog.OutageStarted(_logger, _writer, args.Context.OperationKey ?? "call", error, _queued());
        }
        else
        {
            PipelineLog.Retrying(_logger, _writer, args.AttemptNumber, error);
        }

        _outageError = error;
        return ValueTask.CompletedTask;
    }
}
