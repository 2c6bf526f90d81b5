namespace Jaqmc.Service.Pipeline;

/// <summary>
/// The scheduling of one writer thread. Under <see cref="PipelineOptions.IdleWriterThreads"/> the thread runs under
/// Linux's <c>SCHED_IDLE</c> while its writer keeps up, so it takes only CPU time that no other thread of the machine
/// wants and never delays the training's parallel sweep; anything urgent (<see cref="Raise"/>) puts it back under
/// normal scheduling at <see cref="PipelineOptions.WriterThreadNice"/>, and the thread itself goes back to idle once
/// its queue is empty (<see cref="LowerIfIdle"/>). Otherwise the thread simply runs at the nice value.
/// </summary>
/// <remarks>
/// Raising is done by the thread that makes the work urgent (the dispatcher, a flush, the end of a stage), because a
/// thread starved under <c>SCHED_IDLE</c> on a busy machine could take seconds to notice for itself. Both changes
/// take a lock, so a raise and a lowering never cross: the lowering re-checks the queue under it. They happen only on
/// transitions, a system call each.
/// </remarks>
internal sealed class WriterThreadPriority
{
    private readonly int _nice;
    private readonly bool _idleWhileKeepingUp;
    private readonly object _gate = new();

    // Set by the thread itself as it starts (under the gate); 0 before that.
    private int _threadId;

    // Whether the thread runs (or, before it starts, will run) under normal scheduling. Written under the gate.
    private volatile bool _raised;

    public WriterThreadPriority(int nice, bool idleWhileKeepingUp)
    {
        _nice = nice;
        _idleWhileKeepingUp = idleWhileKeepingUp;
    }

    /// <summary>Whether the thread runs under <c>SCHED_IDLE</c> now.</summary>
    public bool IsIdle => _idleWhileKeepingUp && !_raised;

    /// <summary>Applies the nice value, and the idle policy unless already raised; called by the thread itself first.</summary>
    public void EnterOnCurrentThread()
    {
        LinuxThreadScheduling.TryLowerCurrentThread(_nice);
        if (!_idleWhileKeepingUp)
        {
            return;
        }

        lock (_gate)
        {
            _threadId = LinuxThreadScheduling.CurrentThreadId();
            if (!_raised)
            {
                LinuxThreadScheduling.TrySetIdlePolicy(_threadId);
            }
        }
    }

    /// <summary>Puts the thread under normal scheduling now; from any thread, cheap when it already is.</summary>
    public void Raise()
    {
        if (!_idleWhileKeepingUp || _raised)
        {
            return;
        }

        lock (_gate)
        {
            if (_raised)
            {
                return;
            }

            _raised = true;
            if (_threadId != 0)
            {
                LinuxThreadScheduling.TrySetNormalPolicy(_threadId);
            }
        }
    }

    /// <summary>Back under <c>SCHED_IDLE</c> when <paramref name="idle"/> says so; called by the thread itself.</summary>
    public void LowerIfIdle(Func<bool> idle)
    {
        if (!_idleWhileKeepingUp || !_raised)
        {
            return;
        }

        lock (_gate)
        {
            if (!_raised || !idle())
            {
                return;
            }

            _raised = false;
            LinuxThreadScheduling.TrySetIdlePolicy(_threadId);
        }
    }
}
