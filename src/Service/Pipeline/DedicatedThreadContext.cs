namespace Jaqmc.Service.Pipeline;

/// <summary>
/// A synchronization context with a thread of its own that runs everything posted to it, one callback at a time.
/// Each writer's pump runs on one, so the writers never take a thread-pool thread from the training loop's parallel
/// sweep, and waking a writer wakes exactly one sleeping thread instead of a pool worker that spins for more work
/// afterwards.
/// </summary>
/// <remarks>
/// <para>
/// Code started with <see cref="RunAsync"/> comes back to the thread after every <c>await</c> that keeps its context
/// (<c>ConfigureAwait(true)</c>). A synchronization context rather than a task scheduler, so that
/// <see cref="TaskScheduler.Current"/> stays the default one: a writer's own <c>Parallel.For</c> or
/// <c>Task.Run</c> still uses the thread pool.
/// </para>
/// <para>
/// After <see cref="Complete"/> the thread runs what is already posted and exits; anything posted later runs on the
/// thread pool, so a late continuation (a timer that fires after the pump has ended) is never lost.
/// </para>
/// </remarks>
internal sealed class DedicatedThreadContext : SynchronizationContext
{
    private readonly Queue<(SendOrPostCallback Callback, object? State)> _posted = new();
    private readonly Thread _thread;
    private readonly WriterThreadPriority? _priority;

    // A plain monitor: Monitor.Wait sleeps without spinning, and an idle writer thread should cost nothing.
    private readonly object _gate = new();
    private bool _completed;

    /// <summary>
    /// Starts the thread; <paramref name="name"/> shows in debuggers and in <c>/proc</c> (first 15 characters on
    /// Linux), and <paramref name="priority"/> its scheduling (see <see cref="WriterThreadPriority"/>; none: unchanged).
    /// </summary>
    public DedicatedThreadContext(string name, WriterThreadPriority? priority = null)
    {
        _priority = priority;
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>Runs <paramref name="work"/> on this context's thread; completes when the task it returns completes.</summary>
    public Task RunAsync(Func<Task> work)
    {
        var started = new TaskCompletionSource<Task>(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(
            _ =>
            {
                try
                {
                    started.SetResult(work());
                }
                catch (Exception e)
                {
                    started.SetException(e);
                }
            },
            null);
        return started.Task.Unwrap();
    }

    /// <summary>Lets the thread exit once the callbacks already posted have run.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            _completed = true;
            Monitor.Pulse(_gate);
        }
    }

    /// <inheritdoc />
    public override void Post(SendOrPostCallback d, object? state)
    {
        lock (_gate)
        {
            if (!_completed)
            {
                _posted.Enqueue((d, state));
                if (_posted.Count == 1)
                {
                    Monitor.Pulse(_gate);
                }

                return;
            }
        }

        ThreadPool.UnsafeQueueUserWorkItem(static s => s.Callback(s.State), (Callback: d, State: state), preferLocal: false);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Runs at once on the context's own thread. Nothing in the pipeline sends from elsewhere, and blocking another
    /// thread on this one's queue could deadlock, so that is refused.
    /// </remarks>
    public override void Send(SendOrPostCallback d, object? state)
    {
        if (Thread.CurrentThread != _thread)
        {
            throw new NotSupportedException("A writer thread's synchronization context only takes posted work from other threads.");
        }

        d(state);
    }

    /// <inheritdoc />
    public override SynchronizationContext CreateCopy() => this;

    private void Run()
    {
        _priority?.EnterOnCurrentThread();
        SetSynchronizationContext(this);
        while (true)
        {
            (SendOrPostCallback Callback, object? State) next;
            lock (_gate)
            {
                while (_posted.Count == 0)
                {
                    if (_completed)
                    {
                        return;
                    }

                    Monitor.Wait(_gate);
                }

                next = _posted.Dequeue();
            }

            // Await continuations keep their exceptions in their tasks. Anything else that throws here (an async void
            // method) ends the process, as it would on the thread pool.
            next.Callback(next.State);
        }
    }
}
