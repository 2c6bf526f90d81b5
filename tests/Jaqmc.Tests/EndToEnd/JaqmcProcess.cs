using System.Diagnostics;
using System.Text;

namespace Jaqmc.Tests.EndToEnd;

/// <summary>Runs the real program (<c>dotnet jaqmc.dll</c>) as a child process.</summary>
internal sealed class JaqmcProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Lock _lock = new();

    private JaqmcProcess(Process process)
    {
        _process = process;
    }

    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>The built program next to the tests (the test project references the service project).</summary>
    public static string ProgramDll
    {
        get
        {
            var local = Path.Combine(AppContext.BaseDirectory, "jaqmc.dll");
            Assert.True(File.Exists(local), $"{local} is missing: build the solution first");
            return local;
        }
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

    /// <summary>Starts the program; with <paramref name="sampleHost"/>, the first argument is another host's dll to run instead.</summary>
    public static JaqmcProcess Start(IEnumerable<string> args, IDictionary<string, string?>? environment = null, string? workingDirectory = null, bool sampleHost = false)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        if (!sampleHost)
        {
            info.ArgumentList.Add(ProgramDll);
        }

        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (k, v) in environment ?? new Dictionary<string, string?>())
        {
            info.Environment[k] = v;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var result = new JaqmcProcess(process);
        process.OutputDataReceived += (_, e) => result.Append(result._stdout, e.Data);
        process.ErrorDataReceived += (_, e) => result.Append(result._stderr, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return result;
    }

    public static async Task<JaqmcProcess> RunAsync(IEnumerable<string> args, IDictionary<string, string?>? environment = null, TimeSpan? timeout = null)
    {
        var p = Start(args, environment);
        await p.WaitAsync(timeout ?? TimeSpan.FromMinutes(2));
        return p;
    }

    public async Task WaitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            Assert.Fail($"jaqmc did not exit within {timeout}. stdout:\n{Stdout}\nstderr:\n{Stderr}");
        }

        // Drain the asynchronous readers.
        _process.WaitForExit();
    }

    /// <summary>Waits until stdout contains <paramref name="text"/>.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (!Stdout.Contains(text, StringComparison.Ordinal))
        {
            // The message reads ExitCode, which throws while the process runs: build it only once it has exited.
            if (_process.HasExited)
            {
                // Let the asynchronous readers deliver the last lines before deciding the text never came.
                _process.WaitForExit();
                if (Stdout.Contains(text, StringComparison.Ordinal))
                {
                    return;
                }

                Assert.Fail($"jaqmc exited ({_process.ExitCode}) before printing '{text}'. stdout:\n{Stdout}\nstderr:\n{Stderr}");
            }

            Assert.True(watch.Elapsed < timeout, $"'{text}' not seen within {timeout}. stdout:\n{Stdout}");
            await Task.Delay(20);
        }
    }

    /// <summary>Waits up to <paramref name="time"/> for the program to exit; false when it is still running.</summary>
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

        _process.WaitForExit();
        return true;
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
        using var kill = Process.Start("kill", ["-s", signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
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

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Jaqmc.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Jaqmc.sln not found above the test binaries.");
    }
}
