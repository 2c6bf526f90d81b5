namespace Jaqmc.Service.Pipeline;

/// <summary>
/// The dispatcher's pause and whatever cuts it short (a queue past its high-water mark, a flush barrier, the end of
/// a stage, stop). The dispatcher sleeps on an event, never spins; a waker sets the event only if it takes the
/// pause, so a pause is ended once and an ordinary record costs the producer no system call.
/// </summary>
internal sealed class DispatchSignal : IDisposable
{
    private readonly ManualResetEventSlim _wake = new(false, spinCount: 0);

    // 1 while the dispatcher pauses and nobody has woken it yet; whoever exchanges it to 0 sets _wake.
    private int _pausing;

    /// <summary>Ends the dispatcher's pause now, if it is pausing.</summary>
    public void Wake()
    {
        if (Volatile.Read(ref _pausing) == 1 && Interlocked.Exchange(ref _pausing, 0) == 1)
        {
            _wake.Set();
        }
    }

    /// <summary>
    /// Sleeps up to <paramref name="interval"/> unless <paramref name="stillIdle"/>, asked after the pause is armed
    /// (what cuts it short may have happened before the pause was visible), says there is work already.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="abort"/> was cancelled.</exception>
    public void Pause(TimeSpan interval, Func<bool> stillIdle, CancellationToken abort)
    {
        _wake.Reset();
        Interlocked.Exchange(ref _pausing, 1);
        try
        {
            if (stillIdle())
            {
                _wake.Wait(interval, abort);
            }
        }
        finally
        {
            // Also when aborted: nobody may set the event once the dispatcher has stopped pausing.
            Interlocked.Exchange(ref _pausing, 0);
        }

        abort.ThrowIfCancellationRequested();
    }

    public void Dispose() => _wake.Dispose();
}
