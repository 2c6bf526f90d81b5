namespace Jaqmc.Service.Pipeline;

/// <summary>
/// How a pipeline schedules its writers' threads, decided once per pipeline: the nice value, and whether the idle
/// policy is on and allowed (<see cref="PipelineOptions.IdleWriterThreads"/>). Without permission to leave
/// <c>SCHED_IDLE</c> a starved writer could never be raised again, so then the threads only get the nice value.
/// </summary>
internal sealed class WriterThreadScheduling
{
    public WriterThreadScheduling(int nice, bool idleWhileKeepingUp)
    {
        Nice = nice;
        IdleWhileKeepingUp = idleWhileKeepingUp;
    }

    /// <summary>The nice value of the writers' threads (and of the dispatcher's).</summary>
    public int Nice { get; }

    /// <summary>Whether writer threads run under <c>SCHED_IDLE</c> while they keep up.</summary>
    public bool IdleWhileKeepingUp { get; }

    /// <summary>No change to the threads' scheduling: what a test's hand-built pump gets.</summary>
    public static WriterThreadScheduling Unchanged { get; } = new(0, false);

    /// <summary>From the options: the idle policy only where this process may also leave it (probed once, here).</summary>
    public static WriterThreadScheduling From(PipelineOptions options) =>
        new(options.WriterThreadNice, options.IdleWriterThreads && LinuxThreadScheduling.CanLeaveIdlePolicy(options.WriterThreadNice));

    /// <summary>A new thread's scheduling, idle until something raises it.</summary>
    public WriterThreadPriority CreatePriority() => new(Nice, IdleWhileKeepingUp);
}
