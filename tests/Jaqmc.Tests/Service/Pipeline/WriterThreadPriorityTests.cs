using System.Diagnostics.Metrics;
using Jaqmc.Service;
using Jaqmc.Service.Pipeline;
using Jaqmc.Sinks;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jaqmc.Tests.Service.Pipeline;

/// <summary>
/// Writer threads under <c>SCHED_IDLE</c> while they keep up (<see cref="PipelineOptions.IdleWriterThreads"/>), as
/// the Linux scheduler sees them. Leaving <c>SCHED_IDLE</c> needs root or <c>CAP_SYS_NICE</c>, which CI has.
/// </summary>
public sealed class WriterThreadPriorityTests : IDisposable
{
    private static readonly StatsKeys Keys = new("loss");
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly ChunkPool _pool = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly Meter _meter = new("test");

    [Fact]
    public async Task AnIdleThread_IsRaisedFromAnotherThread_AndLowersItselfOnlyWhenIdle()
    {
        RequireIdlePolicy();
        var priority = new WriterThreadPriority(7, idleWhileKeepingUp: true);
        var context = new DedicatedThreadContext("Writer Prio", priority);
        (int Nice, int Policy) OnTheThread()
        {
            (int, int) seen = default;
            context.RunAsync(() =>
            {
                seen = ThreadSchedulingProbe.OfCurrentThread();
                return Task.CompletedTask;
            }).Wait(Patience);
            return seen;
        }

        var nice = Math.Max(7, ThreadSchedulingProbe.OfCurrentThread().Nice);
        Assert.Equal((nice, ThreadSchedulingProbe.SchedIdle), OnTheThread());
        Assert.True(priority.IsIdle);

        priority.Raise();
        Assert.Equal((nice, ThreadSchedulingProbe.SchedOther), OnTheThread());
        Assert.False(priority.IsIdle);

        await context.RunAsync(() =>
        {
            priority.LowerIfIdle(() => false);
            return Task.CompletedTask;
        });
        Assert.Equal((nice, ThreadSchedulingProbe.SchedOther), OnTheThread());

        await context.RunAsync(() =>
        {
            priority.LowerIfIdle(() => true);
            return Task.CompletedTask;
        });
        Assert.Equal((nice, ThreadSchedulingProbe.SchedIdle), OnTheThread());
        context.Complete();
    }

    [Fact]
    public async Task AWriterThatFallsBehind_IsRaised_AndGoesBackToIdleOnceCaughtUp()
    {
        RequireIdlePolicy();
        using var gate = new ManualResetEventSlim(false);
        var store = new RecordingStore { BlockingGate = gate };
        var options = new RecordingWriterOptions { Store = store, QueueCapacity = 8 };
        var context = new WriterContext(Path.GetTempPath(), "train", 0, "priority-test", null);
        var pump = new WriterPump("Behind", new RecordingWriter(options), options, context, new PipelineMetrics(new SingleMeterFactory(_meter)),
            NullLogger.Instance, TimeProvider.System, _ => { }, new WriterThreadScheduling(7, idleWhileKeepingUp: true));
        pump.Start(_abort.Token);
        await WaitUntil(() => ThreadSchedulingProbe.Of("Writer Behind")?.Policy == ThreadSchedulingProbe.SchedIdle, "the writer thread starts idle");

        // The writer blocks on its first batch; the records behind it reach a quarter of the queue.
        await pump.Queue.EnqueueAsync(Chunk(0, 1), CancellationToken.None);
        await WaitUntil(() => pump.Queue.Count == 0, "the writer takes its first batch");
        await pump.Queue.EnqueueAsync(Chunk(1, 2), CancellationToken.None);
        pump.RaiseIfBehind();
        Assert.False(pump.Priority.IsIdle);
        Assert.Equal(ThreadSchedulingProbe.SchedOther, ThreadSchedulingProbe.Of("Writer Behind")?.Policy);

        // Unblocked, it writes everything, finds its queue empty and goes back to idle.
        gate.Set();
        await WaitUntil(() => pump.Written == 3 && pump.Priority.IsIdle, "the writer catches up and lowers itself");
        Assert.Equal(ThreadSchedulingProbe.SchedIdle, ThreadSchedulingProbe.Of("Writer Behind")?.Policy);

        pump.Complete(StageOutcome.Completed);
        await pump.Completion.WaitAsync(Patience);
        Assert.Equal([0L, 1, 2], store.Steps());
    }

    [Fact]
    public async Task WithIdleWriterThreadsOff_TheThreadOnlyGetsTheNiceValue()
    {
        var scheduling = WriterThreadScheduling.From(new PipelineOptions { WriterThreadNice = 7, IdleWriterThreads = false });
        Assert.False(scheduling.IdleWhileKeepingUp);
        var context = new DedicatedThreadContext("Writer NotIdle", scheduling.CreatePriority());
        (int Nice, int Policy) seen = default;
        await context.RunAsync(() =>
        {
            seen = ThreadSchedulingProbe.OfCurrentThread();
            return Task.CompletedTask;
        });
        context.Complete();
        Assert.Equal((Math.Max(7, ThreadSchedulingProbe.OfCurrentThread().Nice), ThreadSchedulingProbe.SchedOther), seen);
    }

    public void Dispose()
    {
        _abort.Cancel();
        _abort.Dispose();
        _meter.Dispose();
    }

    private static void RequireIdlePolicy() =>
        Assert.True(
            WriterThreadScheduling.From(new PipelineOptions { WriterThreadNice = 7 }).IdleWhileKeepingUp,
            "this test needs Linux and permission to leave SCHED_IDLE (root or CAP_SYS_NICE), as CI has");

    private static async Task WaitUntil(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}");
            await Task.Delay(10);
        }
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

    private sealed class SingleMeterFactory(Meter meter) : IMeterFactory
    {
        public Meter Create(MeterOptions options) => meter;

        public void Dispose()
        {
        }
    }
}
