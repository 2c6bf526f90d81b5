using System.Runtime.InteropServices;

namespace Jaqmc.Service.Pipeline;

/// <summary>
/// Lowers the calling thread's scheduling priority, so that the statistics threads run in the training's idle gaps
/// (the serial part of every step) instead of preempting its parallel sweep mid-block.
/// </summary>
/// <remarks>
/// On Linux every thread has its own nice value (<c>setpriority</c> on the thread id; raising one's own nice value
/// needs no privilege). Nice 10 is a tenth of a normal thread's share when the cores are contended: the writers
/// yield to training but are not starved by it (they need about 1 % of a core). Elsewhere
/// <see cref="Thread.Priority"/> is set to <see cref="ThreadPriority.BelowNormal"/>.
/// </remarks>
internal static partial class BackgroundThreadPriority
{
    /// <summary>The nice value of the dispatcher's and the writers' threads.</summary>
    public const int Nice = 10;

    private const int PrioProcess = 0;

    /// <summary>Lowers the calling thread's priority to <see cref="Nice"/>, unless it is already that low; best effort.</summary>
    /// <returns>Whether the priority was lowered.</returns>
    public static bool LowerCurrentThread()
    {
        if (!OperatingSystem.IsLinux())
        {
            Thread.CurrentThread.Priority = ThreadPriority.BelowNormal;
            return true;
        }

        try
        {
            // Never raise it: a run started with `nice -n 15` keeps its writers at 15. (getpriority returns the nice
            // value; -1 is also its error value, and then setting it is harmless.)
            var thread = GetThreadId();
            return GetPriority(PrioProcess, thread) >= Nice || SetPriority(PrioProcess, thread, Nice) == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // A libc without gettid (glibc before 2.30, musl before 1.2.2): the threads keep the normal priority.
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "getpriority")]
    private static partial int GetPriority(int which, int who);

    [LibraryImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static partial int SetPriority(int which, int who, int priority);

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int GetThreadId();
}
