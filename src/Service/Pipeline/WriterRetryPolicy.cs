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
    private readonly Lock _cutLock = new();
    private ResiliencePipeline? _pipeline;
    private CancellationTokenSource? _backoff;
    private int _retryAtOnce;
    private long _attempts;
    private long _lastFailedAttempt;
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

    /// <summary>Calls begun so far, first attempts and retries; each call's number is its place in this count.</summary>
    public long Attempts => Interlocked.Read(ref _attempts);

    /// <summary>The number (see <see cref="Attempts"/>) of the last call that failed; 0 when none has.</summary>
    public long LastFailedAttempt => Interlocked.Read(ref _lastFailedAttempt);

    /// <summary>
    /// Ends the backoff now: a retry that waits is tried at once, and the next failure is retried without waiting.
    /// Safe from any thread; used at stop, so a store that is back is written without sleeping out the backoff.
    /// </summary>
    public void CutBackoff()
    {
        lock (_cutLock)
        {
            _retryAtOnce = 1;
            _backoff?.Cancel();
        }
    }

    /// <summary>Runs <paramref name="call"/>, retrying transient failures; awaits come back to the caller's thread.</summary>
    /// <remarks>
    /// The first attempt calls the writer directly and Polly is entered only after a failure, with that failure as
    /// its first attempt's outcome: a healthy run never loads or compiles the retry machinery, which in a fresh
    /// process costs more CPU than the writes themselves (the whole-process duty cycle in the README).
    /// </remarks>
    public async ValueTask ExecuteAsync(string operation, Func<CancellationToken, ValueTask> call, CancellationToken abort)
    {
        ExceptionDispatchInfo failure;
        var attempt = Interlocked.Increment(ref _attempts);
        try
        {
            await call(abort).ConfigureAwait(true);
            return;
        }
        catch (Exception e)
        {
            Interlocked.Exchange(ref _lastFailedAttempt, attempt);
            failure = ExceptionDispatchInfo.Capture(e);
        }

        await RetryAsync(operation, call, failure, abort).ConfigureAwait(true);
    }

    private async ValueTask RetryAsync(string operation, Func<CancellationToken, ValueTask> call, ExceptionDispatchInfo firstFailure, CancellationToken abort)
    {
        _pipeline ??= Build(_retry);
        ExceptionDispatchInfo? failure = firstFailure;
        while (true)
        {
            // Polly's backoff waits on the context's token: cancelling it (CutBackoff) ends the wait, and the call
            // is tried again in a fresh execution. The calls themselves get the caller's token only, so a cut never
            // cancels a call in flight.
            using var backoff = CancellationTokenSource.CreateLinkedTokenSource(abort);
            lock (_cutLock)
            {
                _backoff = backoff;
            }

            var context = ResilienceContextPool.Shared.Get(operation, continueOnCapturedContext: true, backoff.Token);
            var replay = new FirstAttemptReplay(this, call, failure, abort);
            failure = null;
            try
            {
                await _pipeline.ExecuteAsync(static (_, state) => state.InvokeAsync(), context, replay).ConfigureAwait(true);
                break;
            }
            catch (OperationCanceledException) when (backoff.IsCancellationRequested && !abort.IsCancellationRequested)
            {
                // Cut short: try again now.
                Interlocked.Exchange(ref _retryAtOnce, 0);
            }
            finally
            {
                lock (_cutLock)
                {
                    _backoff = null;
                }

                ResilienceContextPool.Shared.Return(context);
            }
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

                // Null keeps the exponential backoff; zero once after CutBackoff.
                DelayGenerator = _ => ValueTask.FromResult<TimeSpan?>(Interlocked.Exchange(ref _retryAtOnce, 0) == 1 ? TimeSpan.Zero : null),
                OnRetry = OnRetry,
            });
        }

        return builder.Build();
    }

    /// <summary>Hands Polly the failure of the direct first attempt (if any) as its own first attempt, then calls the writer.</summary>
    private sealed class FirstAttemptReplay(WriterRetryPolicy policy, Func<CancellationToken, ValueTask> call, ExceptionDispatchInfo? firstFailure, CancellationToken abort)
    {
        private ExceptionDispatchInfo? _pending = firstFailure;

        public ValueTask InvokeAsync()
        {
            if (_pending is { } failure)
            {
                _pending = null;
                return ValueTask.FromException(failure.SourceException);
            }

            return CountedAsync();
        }

        private async ValueTask CountedAsync()
        {
            var attempt = Interlocked.Increment(ref policy._attempts);
            try
            {
                await call(abort).ConfigureAwait(true);
            }
            catch
            {
                Interlocked.Exchange(ref policy._lastFailedAttempt, attempt);
                throw;
            }
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
