using Jaqmc.Service;
using Jaqmc.Service.Pipeline;

namespace Jaqmc.Tests.Service.Pipeline;

/// <summary>
/// Writer threads under <c>SCHED_IDLE</c> while they keep up (<see cref="PipelineOptions.IdleWriterThreads"/>), as
/// the Linux scheduler sees them. Leaving <c>SCHED_IDLE</c> needs root or <c>CAP_SYS_NICE</c>, which CI has.
/// </summary>
public sealed class WriterThreadPriorityTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

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

    internal static void RequireIdlePolicy() =>
        Assert.True(
            WriterThreadScheduling.From(new PipelineOptions { WriterThreadNice = 7 }).IdleWhileKeepingUp,
            "this test needs Linux and permission to leave SCHED_IDLE (root or CAP_SYS_NICE), as CI has");

    internal static async Task WaitUntil(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}");
            await Task.Delay(10);
        }
    }
}
