namespace Jaqmc.Tests.EndToEnd.Faults;

/// <summary>
/// One completed small He run (CSV, HDF5, checkpoints; no database), made once per test run; tests copy it and
/// damage the copy, then compare with it.
/// </summary>
internal static class CompletedRun
{
    private static readonly Lazy<Task<string>> Directory_ = new(CreateAsync);

    public static Task<string> DirectoryAsync() => Directory_.Value;

    /// <summary>A fresh copy of the completed run's working directory.</summary>
    public static async Task<string> CopyAsync(string scenario)
    {
        var source = await DirectoryAsync();
        var target = FaultProfile.NewDirectory(scenario);
        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(source))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }

        return target;
    }

    /// <summary>Every file of a directory with its bytes, to prove a failed start touched nothing.</summary>
    public static SortedDictionary<string, string> Snapshot(string directory) =>
        new(Directory.GetFiles(directory).ToDictionary(f => Path.GetFileName(f), f => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f)))), StringComparer.Ordinal);

    private static async Task<string> CreateAsync()
    {
        var dir = FaultProfile.NewDirectory("completed");
        using var p = JaqmcProcess.Start(FaultProfile.HeArguments(dir));
        await p.WaitAsync(TimeSpan.FromMinutes(5));
        Assert.True(p.ExitCode == 0, $"the reference run failed ({p.ExitCode}):\n{p.Stdout}\n{p.Stderr}");
        return dir;
    }
}
