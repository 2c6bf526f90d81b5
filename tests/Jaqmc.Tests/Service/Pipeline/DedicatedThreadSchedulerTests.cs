using Jaqmc.Service.Pipeline;

namespace Jaqmc.Tests.Service.Pipeline;

public sealed class DedicatedThreadSchedulerTests
{
    [Fact]
    public async Task Work_AndEveryContinuationItAwaits_RunOnTheOneNamedThread()
    {
        var scheduler = new DedicatedThreadScheduler("Writer Test");
        var seen = new List<(string? Name, bool Pool)>();
        void Note() => seen.Add((Thread.CurrentThread.Name, Thread.CurrentThread.IsThreadPoolThread));

        await scheduler.RunAsync(async () =>
        {
            Note();
            await Task.Delay(10).ConfigureAwait(true);
            Note();
            await Task.Yield();
            Note();

            // Completed on a pool thread: the continuation still comes back.
            await Task.Run(() => Thread.Sleep(5)).ConfigureAwait(true);
            Note();
        });
        scheduler.Complete();

        Assert.Equal(Enumerable.Repeat<(string?, bool)>(("Writer Test", false), 4), seen);
    }

    [Fact]
    public async Task AfterComplete_TheThreadExits_AndWorkQueuedLaterStillRuns()
    {
        var scheduler = new DedicatedThreadScheduler("Writer Late");
        Thread? thread = null;
        await scheduler.RunAsync(() =>
        {
            thread = Thread.CurrentThread;
            return Task.CompletedTask;
        });
        scheduler.Complete();
        Assert.True(thread!.Join(TimeSpan.FromSeconds(10)), "the thread ended after Complete");

        // A late continuation (a timer firing after the pump ended) runs on the thread pool instead of being lost.
        var onPool = false;
        await scheduler.RunAsync(() =>
        {
            onPool = Thread.CurrentThread.IsThreadPoolThread;
            return Task.CompletedTask;
        }).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(onPool);
    }
}
