using System.Diagnostics;

namespace Jaqmc.Tests.EndToEnd.Faults;

/// <summary>
/// A small tmpfs mounted over a test directory, to make a disk full or read-only for real. Mounting needs root: as
/// another user it goes through <c>sudo -n</c> (scripts/test.sh asks for sudo's password once, before the tests).
/// </summary>
internal sealed class TmpfsMount : IAsyncDisposable
{
    private static readonly string[] AsRoot = Environment.IsPrivilegedProcess ? [] : ["sudo", "-n"];

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
        string[] command = [.. AsRoot, file, .. args];
        var info = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in command[1..])
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
