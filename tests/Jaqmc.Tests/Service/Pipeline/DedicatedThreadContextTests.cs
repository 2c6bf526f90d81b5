using Jaqmc.Service.Pipeline;

namespace Jaqmc.Tests.Service.Pipeline;

public sealed class DedicatedThreadContextTests
{
    [Fact]
    public async Task Work_AndEveryContinuationItAwaits_RunOnTheOneNamedThread()
    {
        var context = new DedicatedThreadContext("Writer Test");
        var seen = new List<(string? Name, bool Pool)>();
        void Note() => seen.Add((Thread.CurrentThread.Name, Thread.CurrentThread.IsThreadPoolThread));

        await context.RunAsync(async () =>
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
        context.Complete();

        Assert.Equal(Enumerable.Repeat<(string?, bool)>(("Writer Test", false), 4), seen);
    }

    [Fact]
    public async Task TheThread_RunsAtTheNiceValueItWasGiven_AsTheSystemSchedulesIt()
    {
        // What `top` and the scheduler see for this thread: field 19 of /proc/thread-self/stat (Linux only; CI is Linux).
        Assert.True(OperatingSystem.IsLinux(), "this test reads Linux's /proc");
        var before = NiceOfCurrentThread();
        var context = new DedicatedThreadContext("Writer Nice", new WriterThreadPriority(7, idleWhileKeepingUp: false));
        var nice = int.MinValue;
        await context.RunAsync(() =>
        {
            nice = NiceOfCurrentThread();
            return Task.CompletedTask;
        });
        context.Complete();

        // Never raised: under `nice -n 19 dotnet test` the thread stays at 19.
        Assert.Equal(Math.Max(7, before), nice);
        Assert.Equal(before, NiceOfCurrentThread());
    }

    [Fact]
    public async Task WorkOnTheThread_StillGetsTheThreadPool_ForItsOwnParallelWork()
    {
        // A writer's Parallel.For (the CSV writer formats big batches on every core) must not be confined to the
        // writer's one thread.
        var context = new DedicatedThreadContext("Writer Parallel");
        var threads = new HashSet<int>();
        var defaultScheduler = false;
        await context.RunAsync(() =>
        {
            defaultScheduler = TaskScheduler.Current == TaskScheduler.Default;
            using var bothRunning = new Barrier(2);
            Parallel.For(0, 2, new ParallelOptions { MaxDegreeOfParallelism = 2 }, _ =>
            {
                // Both iterations at once: only possible on two threads.
                Assert.True(bothRunning.SignalAndWait(TimeSpan.FromSeconds(10)), "the two iterations never ran at the same time");
                lock (threads)
                {
                    threads.Add(Environment.CurrentManagedThreadId);
                }
            });
            return Task.CompletedTask;
        });
        context.Complete();

        Assert.True(defaultScheduler);
        Assert.Equal(2, threads.Count);
    }

    [Fact]
    public async Task AfterComplete_TheThreadExits_AndWorkPostedLaterStillRuns()
    {
        var context = new DedicatedThreadContext("Writer Late");
        Thread? thread = null;
        await context.RunAsync(() =>
        {
            thread = Thread.CurrentThread;
            return Task.CompletedTask;
        });
        context.Complete();
        Assert.True(thread!.Join(TimeSpan.FromSeconds(10)), "the thread ended after Complete");

        // A late continuation (a timer firing after the pump ended) runs on the thread pool instead of being lost.
        var onPool = false;
        await context.RunAsync(() =>
        {
            onPool = Thread.CurrentThread.IsThreadPoolThread;
            return Task.CompletedTask;
        }).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(onPool);
    }

    [Fact]
    public async Task AFailure_InTheWork_ReachesTheCaller_AndTheThreadCarriesOn()
    {
        var context = new DedicatedThreadContext("Writer Fails");
        var error = await Assert.ThrowsAsync<IOException>(() => context.RunAsync(async () =>
        {
            await Task.Yield();
            throw new IOException("disk gone");
        }));
        Assert.Equal("disk gone", error.Message);

        var ran = false;
        await context.RunAsync(() =>
        {
            ran = true;
            return Task.CompletedTask;
        });
        context.Complete();
        Assert.True(ran);
    }

    private static int NiceOfCurrentThread()
    {
        // The command name (field 2) may hold spaces; the fields after its closing parenthesis are fixed.
        var stat = File.ReadAllText("/proc/thread-self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[16], System.Globalization.CultureInfo.InvariantCulture);
    }
}
