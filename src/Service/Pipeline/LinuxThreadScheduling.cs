using System.Runtime.InteropServices;

namespace Jaqmc.Service.Pipeline;

/// <summary>
/// The Linux scheduling calls the pipeline's threads use: a thread's nice value, and its policy (<c>SCHED_IDLE</c> or
/// the normal <c>SCHED_OTHER</c>). .NET's <see cref="Thread.Priority"/> has no effect on Linux, where both are per
/// thread; elsewhere every call here does nothing and reports so.
/// </summary>
/// <remarks>
/// A thread a lowered thread creates inherits its nice value and policy. The pipeline's threads create none of their
/// own; the runtime's timer thread is started beforehand (<see cref="EnsureTimerThreadStarted"/>), and the thread
/// pool's workers exist once the training's parallel sweep has run.
/// </remarks>
internal static class LinuxThreadScheduling
{
    private const int PriorityProcess = 0;
    private const int SchedOther = 0;
    private const int SchedIdle = 5;

    /// <summary>The calling thread's kernel id (0 outside Linux).</summary>
    public static int CurrentThreadId() => OperatingSystem.IsLinux() ? Call(GetThreadId) : 0;

    /// <summary>
    /// Sets the calling thread's nice value to <paramref name="niceness"/> (0 = leave it, 19 = the lowest priority)
    /// unless it is already that low: a process started with <c>nice</c> keeps its lower priority. Returns false when
    /// the system refused or does not support it; the thread then runs at its old priority.
    /// </summary>
    public static bool TryLowerCurrentThread(int niceness)
    {
        if (niceness <= 0 || !OperatingSystem.IsLinux())
        {
            return niceness <= 0;
        }

        // With PRIO_PROCESS and a thread id, get/setpriority read and set that one thread's nice value on Linux.
        var thread = CurrentThreadId();
        return Call(() => GetPriority(PriorityProcess, thread) >= niceness || SetPriority(PriorityProcess, thread, niceness) == 0);
    }

    /// <summary>Puts thread <paramref name="threadId"/> (of this process) under <c>SCHED_IDLE</c>; false if refused.</summary>
    public static bool TrySetIdlePolicy(int threadId) => TrySetPolicy(threadId, SchedIdle);

    /// <summary>
    /// Puts thread <paramref name="threadId"/> back under normal scheduling, keeping its nice value. Leaving
    /// <c>SCHED_IDLE</c> needs <c>CAP_SYS_NICE</c> or an <c>RLIMIT_NICE</c> that allows the thread's nice value.
    /// </summary>
    public static bool TrySetNormalPolicy(int threadId) => TrySetPolicy(threadId, SchedOther);

    /// <summary>
    /// Whether this process may put a thread under <c>SCHED_IDLE</c> and take it back out: tried on a short-lived
    /// thread of its own at <paramref name="niceness"/>, because only the kernel knows the capabilities and limits
    /// that decide it (root in a container may lack <c>CAP_SYS_NICE</c>).
    /// </summary>
    public static bool CanLeaveIdlePolicy(int niceness)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        var allowed = false;
        var probe = new Thread(() =>
        {
            TryLowerCurrentThread(niceness);
            var self = CurrentThreadId();
            allowed = TrySetIdlePolicy(self) && TrySetNormalPolicy(self);
        })
        { IsBackground = true, Name = "Stats sched probe" };
        probe.Start();
        probe.Join();
        return allowed;
    }

    /// <summary>
    /// Makes the runtime start its one timer thread now, from the calling (normal-priority) thread: a Linux thread
    /// inherits its creator's nice value, and the first timer a writer thread arms would otherwise create the
    /// process's timer thread at the writers' lower priority.
    /// </summary>
    public static void EnsureTimerThreadStarted()
    {
        using var timer = new Timer(static _ => { }, null, dueTime: 0, period: Timeout.Infinite);
    }

    private static bool TrySetPolicy(int threadId, int policy)
    {
        if (threadId <= 0 || !OperatingSystem.IsLinux())
        {
            return false;
        }

        return Call(() =>
        {
            // struct sched_param { int sched_priority; }: 0 for both policies.
            var parameter = 0;
            return SetScheduler(threadId, policy, ref parameter) == 0;
        });
    }

    private static T Call<T>(Func<T> call)
    {
        try
        {
            return call();
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return default!;
        }
    }

    // DllImport with blittable arguments needs no marshalling code (and no unsafe code in this assembly).
    [DllImport("libc", EntryPoint = "gettid")]
    private static extern int GetThreadId();

    [DllImport("libc", EntryPoint = "getpriority")]
    private static extern int GetPriority(int which, int who);

    [DllImport("libc", EntryPoint = "setpriority")]
    private static extern int SetPriority(int which, int who, int prio);

    [DllImport("libc", EntryPoint = "sched_setscheduler")]
    private static extern int SetScheduler(int pid, int policy, ref int parameter);
}
