using System.Collections.Concurrent;
using Jaqmc.Sinks;

namespace Jaqmc.Tests.Service.Spool;

/// <summary>A remote store that can be switched off: while it is down, every call fails as a refused connection would.</summary>
public sealed class FlakyRemoteStore
{
    private volatile bool _up;

    public bool Up
    {
        get => _up;
        set => _up = value;
    }

    /// <summary>Calls that failed because the store was down.</summary>
    public int Failures;

    public ConcurrentQueue<long> Steps { get; } = new();

    public ConcurrentQueue<string> Statuses { get; } = new();

    public void ThrowIfDown()
    {
        if (!_up)
        {
            Interlocked.Increment(ref Failures);
            throw new IOException("connection refused (the test's store is down)");
        }
    }
}

/// <summary>Options of <see cref="FlakyRemoteWriter"/>: the store its instances share.</summary>
public sealed class FlakyRemoteWriterOptions : RemoteWriterOptions
{
    public FlakyRemoteStore Store { get; set; } = new();
}

/// <summary>A remote writer (so it goes through a spool) over a <see cref="FlakyRemoteStore"/>.</summary>
public sealed class FlakyRemoteWriter(FlakyRemoteWriterOptions options) : StatsWriter, IRemoteStatsWriter
{
    private readonly FlakyRemoteStore _store = options.Store;

    public ValueTask ContinueAsync(WriterContext context, CancellationToken cancellationToken) => OpenAsync(context, cancellationToken);

    protected override ValueTask OnOpenAsync(WriterContext context, CancellationToken cancellationToken)
    {
        _store.ThrowIfDown();
        _store.Statuses.Enqueue("running");
        return ValueTask.CompletedTask;
    }

    protected override ValueTask OnWriteAsync(IReadOnlyList<StatsRecord> batch, CancellationToken cancellationToken)
    {
        _store.ThrowIfDown();
        foreach (var record in batch)
        {
            _store.Steps.Enqueue(record.Step);
        }

        return ValueTask.CompletedTask;
    }

    protected override ValueTask OnFlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    protected override ValueTask OnCloseAsync(StageOutcome outcome, CancellationToken cancellationToken)
    {
        _store.ThrowIfDown();
        _store.Statuses.Enqueue(outcome.ToString());
        return ValueTask.CompletedTask;
    }
}
