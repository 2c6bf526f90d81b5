using System.Runtime.InteropServices;

namespace Jaqmc.Service.Pipeline;

/// <summary>
/// Lowers the calling thread's scheduling priority (its Linux nice value), so that the writers' threads take the CPU
/// the training's parallel sweep leaves idle rather than the cores it is using. .NET's <see cref="Thread.Priority"/>
/// has no effect on Linux, where nice values are per thread; elsewhere this does nothing.
/// </summary>
/// <remarks>
/// A thread a lowered thread creates inherits its nice value. The pipeline's threads create none of their own; the
/// runtime's timer thread is started beforehand (<see cref="EnsureTimerThreadStarted"/>), and the thread pool's
/// workers exist once the training's parallel sweep has run.
/// </remarks>
internal static class ThreadNiceness
{
    private const int PriorityProcess = 0;

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

        try
        {
            // With PRIO_PROCESS and a thread id, get/setpriority read and set that one thread's nice value on Linux.
            var thread = GetThreadId();
            return GetPriority(PriorityProcess, thread) >= niceness || SetPriority(PriorityProcess, thread, niceness) == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
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

    // DllImport with blittable arguments needs no marshalling code (and no unsafe code in this assembly).
    [DllImport("libc", EntryPoint = "gettid")]
    private static extern int GetThreadId();

    [DllImport("libc", EntryPoint = "getpriority")]
    private static extern int GetPriority(int which, int who);

    [DllImport("libc", EntryPoint = "setpriority")]
    private static extern int SetPriority(int which, int who, int prio);
}
