using System.Collections.Concurrent;
using Jaqmc.Sinks;

namespace Jaqmc.Tests.Service.Pipeline;

/// <summary>What the recording writers of a test saw (shared across the per-stage instances).</summary>
public sealed class RecordingStore
{
    public ConcurrentQueue<(string Stage, long Step)> Written { get; } = new();

    public ConcurrentQueue<string> Events { get; } = new();

    /// <summary>Highest step that was written and then flushed.</summary>
    public long FlushedThrough { get; set; } = -1;

    public long LastWritten { get; set; } = -1;

    public int Opened;

    public int Flushes;

    /// <summary>Successful WriteAsync calls.</summary>
    public int Batches;

    public int Closed;

    public StageOutcome? LastOutcome { get; set; }

    /// <summary>When set, every write waits for it (a stalled disk).</summary>
    public TaskCompletionSource? Gate { get; set; }

    public int FailuresLeft;

    public bool FailPermanently { get; set; }

    public TimeSpan DelayPerBatch { get; set; }

    /// <summary>When set, every write blocks its thread on it (synchronous I/O on a hung disk).</summary>
    public ManualResetEventSlim? BlockingGate { get; set; }

    /// <summary>The thread each call ran on: "name (pool)" or "name".</summary>
    public ConcurrentQueue<string> Threads { get; } = new();

    public void NoteThread() =>
        Threads.Enqueue(Thread.CurrentThread.Name + (Thread.CurrentThread.IsThreadPoolThread ? " (pool)" : string.Empty));

    public long[] Steps(string stage = "train") => Written.Where(w => w.Stage == stage).Select(w => w.Step).ToArray();
}

public sealed class RecordingWriterOptions : WriterOptions
{
    public RecordingStore Store { get; set; } = new();
}

/// <summary>An in-memory writer whose speed and failures a test controls.</summary>
public sealed class RecordingWriter(RecordingWriterOptions options) : StatsWriter
{
    private readonly RecordingStore _store = options.Store;

    protected override ValueTask OnOpenAsync(WriterContext context, CancellationToken cancellationToken)
    {
        _store.NoteThread();
        Interlocked.Increment(ref _store.Opened);
        _store.Events.Enqueue($"open {context.Stage}@{context.InitialStep}");
        return ValueTask.CompletedTask;
    }

    protected override async ValueTask OnWriteAsync(IReadOnlyList<StatsRecord> batch, CancellationToken cancellationToken)
    {
        _store.NoteThread();
        _store.BlockingGate?.Wait(cancellationToken);
        if (_store.Gate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }

        if (_store.DelayPerBatch > TimeSpan.Zero)
        {
            await Task.Delay(_store.DelayPerBatch, cancellationToken);
        }

        if (_store.FailPermanently)
        {
            throw new PermanentWriterException("disk says no");
        }

        if (Interlocked.Decrement(ref _store.FailuresLeft) >= 0)
        {
            throw new IOException("transient failure");
        }

        foreach (var record in batch)
        {
            _store.Written.Enqueue((record.Stage, record.Step));
        }

        Interlocked.Increment(ref _store.Batches);

        _store.LastWritten = batch[^1].Step;
    }

    protected override ValueTask OnFlushAsync(CancellationToken cancellationToken)
    {
        _store.NoteThread();
        _store.FlushedThrough = _store.LastWritten;
        Interlocked.Increment(ref _store.Flushes);
        return ValueTask.CompletedTask;
    }

    protected override ValueTask OnCloseAsync(StageOutcome outcome, CancellationToken cancellationToken)
    {
        _store.NoteThread();
        _store.FlushedThrough = _store.LastWritten;
        _store.LastOutcome = outcome;
        Interlocked.Increment(ref _store.Closed);
        _store.Events.Enqueue($"close {Context.Stage} {outcome}");
        return ValueTask.CompletedTask;
    }
}
