namespace Jaqmc.Service.Pipeline;

/// <summary>
/// A task scheduler that runs everything queued to it, one task at a time, on a thread of its own at a lowered
/// priority (<see cref="BackgroundThreadPriority"/>). Each writer's pump runs on one, so the writers never take a
/// thread-pool thread from the training loop's parallel sweep, and waking a writer wakes exactly one sleeping thread
/// instead of a pool worker that spins for more work afterwards.
/// </summary>
/// <remarks>
/// Code running here must await with <c>ConfigureAwait(true)</c> to come back. After <see cref="Complete"/> the
/// thread finishes what is queued and exits; anything queued later runs on the thread pool, so a late continuation
/// (a timer that fires after the pump has ended) is never lost.
/// </remarks>
internal sealed class DedicatedThreadScheduler : TaskScheduler
{
    private readonly Queue<Task> _tasks = new();
    private readonly Thread _thread;

    // A plain monitor: Monitor.Wait sleeps without spinning, and an idle writer thread should cost nothing.
    private readonly object _gate = new();
    private bool _completed;

    /// <summary>Starts the thread; <paramref name="name"/> shows in debuggers and in <c>/proc</c> (first 15 characters on Linux).</summary>
    public DedicatedThreadScheduler(string name)
    {
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <inheritdoc />
    public override int MaximumConcurrencyLevel => 1;

    /// <summary>Runs <paramref name="work"/> on this scheduler's thread; its awaits with <c>ConfigureAwait(true)</c> come back here.</summary>
    public Task RunAsync(Func<Task> work) =>
        Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.DenyChildAttach, this).Unwrap();

    /// <summary>Lets the thread exit once the tasks already queued have run.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            _completed = true;
            Monitor.Pulse(_gate);
        }
    }

    /// <inheritdoc />
    protected override void QueueTask(Task task)
    {
        lock (_gate)
        {
            if (!_completed)
            {
                _tasks.Enqueue(task);
                if (_tasks.Count == 1)
                {
                    Monitor.Pulse(_gate);
                }

                return;
            }
        }

        ThreadPool.UnsafeQueueUserWorkItem(static state => state.Scheduler.TryExecuteTask(state.Task), (Scheduler: this, Task: task), preferLocal: false);
    }

    /// <inheritdoc />
    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) =>
        Thread.CurrentThread == _thread && TryExecuteTask(task);

    /// <inheritdoc />
    protected override IEnumerable<Task> GetScheduledTasks()
    {
        lock (_gate)
        {
            return _tasks.ToArray();
        }
    }

    private void Run()
    {
        BackgroundThreadPriority.LowerCurrentThread();
        while (true)
        {
            Task task;
            lock (_gate)
            {
                while (_tasks.Count == 0)
                {
                    if (_completed)
                    {
                        return;
                    }

                    Monitor.Wait(_gate);
                }

                task = _tasks.Dequeue();
            }

            TryExecuteTask(task);
        }
    }
}
