using System.Globalization;

namespace Jaqmc.Benchmarks.WholeProcess;

/// <summary>
/// CPU time per thread of a running child, read from <c>/proc/PID/task</c> every 50 ms (Linux): a thread's last
/// reading before it ends is kept, so threads that end with a stage (the writers') are counted too, short of their
/// last 50 ms. Summed per thread name, with the thread pool's workers (the training's sweep) as one entry.
/// </summary>
internal sealed class ChildThreadSampler : IAsyncDisposable
{
    private readonly int _pid;
    private readonly Dictionary<string, (string Name, double Milliseconds)> _threads = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public ChildThreadSampler(int pid)
    {
        _pid = pid;
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Milliseconds on a CPU per thread name, after <see cref="DisposeAsync"/>.</summary>
    public Dictionary<string, double> Result { get; } = [];

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        foreach (var group in _threads.Values.GroupBy(t => t.Name.StartsWith(".NET TP Worker", StringComparison.Ordinal) ? "thread pool" : t.Name.Trim()))
        {
            Result[group.Key] = group.Sum(t => t.Milliseconds);
        }

        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        do
        {
            Sample();
        }
        while (await WaitAsync(timer));
    }

    private async Task<bool> WaitAsync(PeriodicTimer timer)
    {
        try
        {
            return await timer.WaitForNextTickAsync(_stop.Token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private void Sample()
    {
        string[] tasks;
        try
        {
            tasks = Directory.GetDirectories($"/proc/{_pid}/task");
        }
        catch (IOException)
        {
            return;
        }
        catch (UnauthorizedAccessException)
        {
            return;
        }

        foreach (var task in tasks)
        {
            try
            {
                var name = File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n');
                var nanoseconds = double.Parse(File.ReadAllText(Path.Combine(task, "schedstat")).Split(' ')[0], CultureInfo.InvariantCulture);
                _threads[Path.GetFileName(task)] = (name, nanoseconds / 1e6);
            }
            catch (IOException)
            {
                // The thread (or the process) ended between listing and reading.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
