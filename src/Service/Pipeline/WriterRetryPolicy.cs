using System.Runtime.ExceptionServices;
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
    private readonly WriterRetryOptions _retry;
    private ResiliencePipeline? _pipeline;
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
        _retry = retry;
    }

    /// <summary>Whether calls are failing now: between the first failed attempt and the next success.</summary>
    public bool InOutage => Volatile.Read(ref _outageRetries) > 0;

    /// <summary>Runs <paramref name="call"/>, retrying transient failures; awaits come back to the caller's thread.</summary>
    /// <remarks>
    /// The first attempt calls the writer directly and Polly is entered only after a failure, with that failure as
    /// its first attempt's outcome: a healthy run never loads or compiles the retry machinery, which in a fresh
    /// process costs more CPU than the writes themselves (the whole-process duty cycle in the README).
    /// </remarks>
    public async ValueTask ExecuteAsync(string operation, Func<CancellationToken, ValueTask> call, CancellationToken abort)
    {
        ExceptionDispatchInfo failure;
        try
        {
            await call(abort).ConfigureAwait(true);
            return;
        }
        catch (Exception e)
        {
            failure = ExceptionDispatchInfo.Capture(e);
        }

        await RetryAsync(operation, call, failure, abort).ConfigureAwait(true);
    }

    private async ValueTask RetryAsync(string operation, Func<CancellationToken, ValueTask> call, ExceptionDispatchInfo firstFailure, CancellationToken abort)
    {
        _pipeline ??= Build(_retry);
        var context = ResilienceContextPool.Shared.Get(operation, continueOnCapturedContext: true, abort);
        var replay = new FirstAttemptReplay(call, firstFailure);
        try
        {
            await _pipeline.ExecuteAsync(static (ctx, state) => state.InvokeAsync(ctx.CancellationToken), context, replay).ConfigureAwait(true);
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

    /// <summary>Hands Polly the failure of the direct first attempt as its own first attempt, then calls the writer.</summary>
    private sealed class FirstAttemptReplay(Func<CancellationToken, ValueTask> call, ExceptionDispatchInfo firstFailure)
    {
        private ExceptionDispatchInfo? _pending = firstFailure;

        public ValueTask InvokeAsync(CancellationToken cancellationToken)
        {
            if (_pending is { } failure)
            {
                _pending = null;
                return ValueTask.FromException(failure.SourceException);
            }

            return call(cancellationToken);
        }
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
