using System.Diagnostics;
using System.Globalization;
using System.Text;
using Jaqmc.Tests.EndToEnd;

namespace Jaqmc.Tests.Remote;

/// <summary>Runs clients/python/examples/jaqmc_like_loop.py with /usr/bin/python3 (the CI's Python; the test fails when it is missing).</summary>
internal sealed class PythonProcess : IDisposable
{
    public const string Python = "/usr/bin/python3";

    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Lock _lock = new();

    private PythonProcess(Process process)
    {
        _process = process;
    }

    public static string ClientDirectory => Path.Combine(JaqmcProcess.RepositoryRoot, "clients", "python");

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

    public static PythonProcess Start(string script, params string[] args)
    {
        Assert.True(File.Exists(Python), $"{Python} is missing: the Python client's tests need it (apt-get install python3)");
        var info = new ProcessStartInfo(Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = ClientDirectory,
        };
        info.ArgumentList.Add(Path.Combine(ClientDirectory, script));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = info };
        var result = new PythonProcess(process);
        process.OutputDataReceived += (_, e) => result.Append(result._stdout, e.Data);
        process.ErrorDataReceived += (_, e) => result.Append(result._stderr, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return result;
    }

    /// <summary>Waits until the loop printed a checkpoint of <paramref name="stage"/> at or after <paramref name="step"/>.</summary>
    public async Task WaitForCheckpointAsync(string stage, long step)
    {
        var watch = Stopwatch.StartNew();
        while (LastCheckpoint(stage) < step)
        {
            if (_process.HasExited)
            {
                _process.WaitForExit();
                Assert.Fail($"the Python loop exited ({_process.ExitCode}) before checkpoint {stage} {step}:\n{Stdout}\n{Stderr}");
            }

            Assert.True(watch.Elapsed < TimeSpan.FromMinutes(10), $"no checkpoint {stage} {step} within ten minutes:\n{Stdout}\n{Stderr}");
            await Task.Delay(20);
        }
    }

    public long LastCheckpoint(string stage) =>
        Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => l.StartsWith($"checkpoint {stage} ", StringComparison.Ordinal))
            .Select(l => long.Parse(l.AsSpan($"checkpoint {stage} ".Length), CultureInfo.InvariantCulture))
            .DefaultIfEmpty(-1)
            .Max();

    public async Task WaitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill();
            Assert.Fail($"the Python loop did not exit within {timeout}:\n{Stdout}\n{Stderr}");
        }

        _process.WaitForExit();
    }

    public void KillHard()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
        }

        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
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
