using System.Diagnostics;

namespace Jaqmc.Tests.EndToEnd.Faults;

/// <summary>A small tmpfs mounted over a test directory (needs root), to make a disk full or read-only for real.</summary>
internal sealed class TmpfsMount : IAsyncDisposable
{
    private readonly string _directory;

    private TmpfsMount(string directory) => _directory = directory;

    /// <summary>Mounts, or returns null when this process may not mount.</summary>
    public static async Task<TmpfsMount?> TryMountAsync(string directory, string options) =>
        await RunAsync("mount", "-t", "tmpfs", "-o", options, "tmpfs", directory) == 0 ? new TmpfsMount(directory) : null;

    public async Task RemountAsync(string options) =>
        Assert.Equal(0, await RunAsync("mount", "-o", "remount," + options, _directory));

    public async ValueTask DisposeAsync() => await RunAsync("umount", "-l", _directory);

    private static async Task<int> RunAsync(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        try
        {
            using var process = Process.Start(info)!;
            await process.WaitForExitAsync();
            return process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return -1;
        }
    }
}
