using System.Diagnostics;
using System.Globalization;
using Jaqmc.Tests.EndToEnd;

namespace Jaqmc.Tests.Remote;

/// <summary>Runs a script of clients/python (such as examples/jaqmc_like_loop.py) with /usr/bin/python3 (the CI's Python; the test fails when it is missing).</summary>
internal sealed class PythonProcess : ChildProcess
{
    public const string Python = "/usr/bin/python3";

    private PythonProcess(ProcessStartInfo info)
        : base(info, "the Python loop")
    {
    }

    public static string ClientDirectory => Path.Combine(JaqmcProcess.RepositoryRoot, "clients", "python");

    public static PythonProcess Start(string script, params string[] args)
    {
        Assert.True(File.Exists(Python), $"{Python} is missing: the Python client's tests need it (apt-get install python3)");
        var info = new ProcessStartInfo(Python) { WorkingDirectory = ClientDirectory };
        info.ArgumentList.Add(Path.Combine(ClientDirectory, script));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return new PythonProcess(info);
    }

    /// <summary>Waits until the loop printed a checkpoint of <paramref name="stage"/> at or after <paramref name="step"/>.</summary>
    public Task WaitForCheckpointAsync(string stage, long step) =>
        WaitForAsync(() => LastCheckpoint(stage) >= step, $"checkpoint {stage} {step}", TimeSpan.FromMinutes(10));

    public long LastCheckpoint(string stage) =>
        Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => l.StartsWith($"checkpoint {stage} ", StringComparison.Ordinal))
            .Select(l => long.Parse(l.AsSpan($"checkpoint {stage} ".Length), CultureInfo.InvariantCulture))
            .DefaultIfEmpty(-1)
            .Max();
}
