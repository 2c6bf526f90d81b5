using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Jaqmc.Tests.EndToEnd;

/// <summary>
/// A child process the tests start, wait on and kill: its standard output and error are captured as they come, and
/// every wait is on a condition with a generous limit whose failure message carries both streams.
/// <see cref="JaqmcProcess"/> (the program) and <c>Remote.PythonProcess</c> (the Python client's loop) are both one.
/// </summary>
internal class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Lock _lock = new();
    private readonly string _name;

    /// <summary>Starts <paramref name="info"/> (its output redirected here); <paramref name="name"/> names it in failure messages.</summary>
    protected ChildProcess(ProcessStartInfo info, string name)
    {
        _name = name;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        _process = new Process { StartInfo = info, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => Append(_stdout, e.Data);
        _process.ErrorDataReceived += (_, e) => Append(_stderr, e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    public string Stdout
    {
        get
        {
            lock (_lock)
            {
                return _stdout.ToString();
            }
        }
    }

    public string Stderr
    {
        get
        {
            lock (_lock)
            {
                return _stderr.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Waits for the exit; past <paramref name="timeout"/> the process is killed and the test fails.</summary>
    public async Task WaitAsync(TimeSpan timeout)
    {
        if (!await TryWaitAsync(timeout))
        {
            _process.Kill(entireProcessTree: true);
            Assert.Fail($"{_name} did not exit within {timeout}. stdout:\n{Stdout}\nstderr:\n{Stderr}");
        }
    }

    /// <summary>Waits up to <paramref name="time"/> for the exit; false when it is still running.</summary>
    public async Task<bool> TryWaitAsync(TimeSpan time)
    {
        using var cts = new CancellationTokenSource(time);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }

        // Drain the asynchronous readers.
        _process.WaitForExit();
        return true;
    }

    /// <summary>Waits until stdout contains <paramref name="text"/>.</summary>
    public Task WaitForOutputAsync(string text, TimeSpan timeout) =>
        WaitForAsync(() => Stdout.Contains(text, StringComparison.Ordinal), $"printing '{text}'", timeout);

    /// <summary>Waits until <paramref name="condition"/> holds; fails when the process exits first or past <paramref name="timeout"/>.</summary>
    public async Task WaitForAsync(Func<bool> condition, string what, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            // The message reads ExitCode, which throws while the process runs: build it only once it has exited.
            if (_process.HasExited)
            {
                // Let the asynchronous readers deliver the last lines before deciding the condition never came.
                _process.WaitForExit();
                if (condition())
                {
                    return;
                }

                Assert.Fail($"{_name} exited ({_process.ExitCode}) before {what}. stdout:\n{Stdout}\nstderr:\n{Stderr}");
            }

            Assert.True(watch.Elapsed < timeout, $"{_name}: not {what} within {timeout}. stdout:\n{Stdout}\nstderr:\n{Stderr}");
            await Task.Delay(20);
        }
    }

    /// <summary>SIGKILL, as a crash or an OOM killer would: no handler runs, nothing is flushed.</summary>
    public void KillHard()
    {
        if (!_process.HasExited)
        {
            // On Unix, Process.Kill sends SIGKILL to this process only.
            _process.Kill(entireProcessTree: false);
        }

        _process.WaitForExit();
    }

    public void Signal(string signal)
    {
        using var kill = Process.Start("kill", ["-s", signal, _process.Id.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }

    private void Append(StringBuilder target, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lock)
        {
            target.AppendLine(line);
        }
    }
}
