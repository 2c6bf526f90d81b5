using System.Diagnostics.Metrics;
using Jaqmc.Service;
using Jaqmc.Service.Pipeline;
using Jaqmc.Sinks;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jaqmc.Tests.Service.Pipeline;

/// <summary>One writer's pump on its own, without a pipeline or a container.</summary>
public sealed class WriterPumpTests : IDisposable
{
    private static readonly StatsKeys Keys = new("loss");
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly MeterFactory _meters = new();
    private readonly ChunkPool _pool = new();
    private readonly CancellationTokenSource _abort = new();

    [Fact]
    public async Task WritesInOrder_FlushesOnRequest_AndClosesWithTheOutcome_OnItsOwnThread()
    {
        var store = new RecordingStore();
        var pump = NewPump(store, _ => { });
        pump.Start(_abort.Token);

        await pump.Queue.EnqueueAsync(Chunk(0, 5), CancellationToken.None);
        await pump.FlushAsync(CancellationToken.None).WaitAsync(Patience);
        Assert.Equal(4, store.FlushedThrough);
        await pump.Queue.EnqueueAsync(Chunk(5, 3), CancellationToken.None);
        pump.Complete(StageOutcome.Interrupted);
        await pump.Completion.WaitAsync(Patience);

        Assert.Equal(Enumerable.Range(0, 8).Select(i => (long)i), store.Steps());
        Assert.Equal(8, pump.Written);
        Assert.Equal(StageOutcome.Interrupted, store.LastOutcome);
        Assert.Equal(["open train@0", "close train Interrupted"], store.Events);
        Assert.All(store.Threads, t => Assert.Equal("Writer A", t));
    }

    [Fact]
    public async Task TransientFailures_AreRetried_AndNothingIsLost()
    {
        var store = new RecordingStore { FailuresLeft = 3 };
        var pump = NewPump(store, _ => { });
        pump.Start(_abort.Token);

        await pump.Queue.EnqueueAsync(Chunk(0, 4), CancellationToken.None);
        pump.Complete(StageOutcome.Completed);
        await pump.Completion.WaitAsync(Patience);

        Assert.Null(pump.Fault);
        Assert.Equal([0L, 1, 2, 3], store.Steps());
        Assert.Equal(0, pump.Failed);
    }

    [Fact]
    public async Task APermanentFailure_StopsTheWriter_FailsTheBarrier_AndCountsEveryRecordNotWritten()
    {
        var store = new RecordingStore { FailPermanently = true };
        WriterPump? reported = null;
        var pump = NewPump(store, p => reported = p);
        pump.Start(_abort.Token);

        await pump.Queue.EnqueueAsync(Chunk(0, 4), CancellationToken.None);
        var flush = pump.FlushAsync(CancellationToken.None);
        var error = await Assert.ThrowsAsync<StatsPipelineException>(() => flush.WaitAsync(Patience));
        Assert.Contains("disk says no", error.Message, StringComparison.Ordinal);
        Assert.Same(pump, reported);

        // A failed writer keeps taking (and counting) records, so it never blocks the dispatcher.
        await pump.Queue.EnqueueAsync(Chunk(4, 6), CancellationToken.None);
        pump.Complete(StageOutcome.Failed);
        await pump.Completion.WaitAsync(Patience);
        Assert.Equal(10, pump.Failed);
        Assert.Equal(0, pump.Written);
        Assert.Equal(0, pump.Queue.Count);
    }

    [Fact]
    public async Task AWriterThatFallsBehind_IsRaised_AndGoesBackToIdleOnceCaughtUp()
    {
        WriterThreadPriorityTests.RequireIdlePolicy();
        using var gate = new ManualResetEventSlim(false);
        var store = new RecordingStore { BlockingGate = gate };
        var options = new RecordingWriterOptions { Store = store, QueueCapacity = 8 };
        var context = new WriterContext(Path.GetTempPath(), "train", 0, "priority-test", null);
        var pump = new WriterPump("Behind", new RecordingWriter(options), options, context, new PipelineMetrics(_meters),
            NullLogger.Instance, TimeProvider.System, _ => { }, new WriterThreadScheduling(7, idleWhileKeepingUp: true));
        pump.Start(_abort.Token);
        await WriterThreadPriorityTests.WaitUntil(() => ThreadSchedulingProbe.Of("Writer Behind")?.Policy == ThreadSchedulingProbe.SchedIdle, "the writer thread starts idle");

        // The writer blocks on its first batch; the records behind it reach a quarter of the queue.
        await pump.Queue.EnqueueAsync(Chunk(0, 1), CancellationToken.None);
        await WriterThreadPriorityTests.WaitUntil(() => pump.Queue.Count == 0, "the writer takes its first batch");
        await pump.Queue.EnqueueAsync(Chunk(1, 2), CancellationToken.None);
        pump.RaiseIfBehind();
        Assert.False(pump.Priority.IsIdle);
        Assert.Equal(ThreadSchedulingProbe.SchedOther, ThreadSchedulingProbe.Of("Writer Behind")?.Policy);

        // Unblocked, it writes everything, finds its queue empty and goes back to idle.
        gate.Set();
        await WriterThreadPriorityTests.WaitUntil(() => pump.Written == 3 && pump.Priority.IsIdle, "the writer catches up and lowers itself");
        Assert.Equal(ThreadSchedulingProbe.SchedIdle, ThreadSchedulingProbe.Of("Writer Behind")?.Policy);

        pump.Complete(StageOutcome.Completed);
        await pump.Completion.WaitAsync(Patience);
        Assert.Equal([0L, 1, 2], store.Steps());
    }

    public void Dispose()
    {
        _abort.Cancel();
        _abort.Dispose();
        _meters.Dispose();
    }

    private WriterPump NewPump(RecordingStore store, Action<WriterPump> onFault)
    {
        var options = new RecordingWriterOptions { Store = store };
        options.Retry.BaseDelay = TimeSpan.FromMilliseconds(1);
        var context = new WriterContext(Path.GetTempPath(), "train", 0, "pump-test", null);
        return new WriterPump("A", new RecordingWriter(options), options, context, new PipelineMetrics(_meters), NullLogger.Instance, TimeProvider.System, onFault);
    }

    private RecordChunk Chunk(long firstStep, int count)
    {
        var chunk = _pool.Rent(count);
        for (var i = 0; i < count; i++)
        {
            chunk.Items[chunk.Count++] = new StatsRecord("train", firstStep + i, Keys, [firstStep + i]);
        }

        chunk.Share(1);
        return chunk;
    }

    private sealed class MeterFactory : IMeterFactory
    {
        private readonly List<Meter> _meters = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options);
            _meters.Add(meter);
            return meter;
        }

        public void Dispose() => _meters.ForEach(m => m.Dispose());
    }
}
