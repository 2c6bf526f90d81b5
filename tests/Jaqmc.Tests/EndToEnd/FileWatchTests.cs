using Jaqmc.Tests.Dashboard;
using Jaqmc.Tests.Remote;

namespace Jaqmc.Tests.EndToEnd;

/// <summary>
/// A running <c>jaqmc</c> holds no inotify instance: Linux allows 128 per user by default, and a host that watches
/// <c>appsettings.json</c> for changes spends one per process, so a node or CI host running many processes as one user
/// could refuse to start the next one ("The configured user limit (128) on the number of inotify instances has been
/// reached"). The program reads its settings once and has nothing to watch.
/// </summary>
public sealed class FileWatchTests
{
    [Fact]
    public async Task Training_HoldsNoInotifyInstance()
    {
        var root = DashboardProcess.NewRoot("inotify-train");
        using var train = JaqmcProcess.Start(["train", "-w", root, "--Training:Iterations=100000", "--Writers:Csv:FlushInterval=00:00:00.050"]);
        await train.WaitForAsync(() => File.Exists(Path.Combine(root, "train_stats.csv")), "writing train_stats.csv", TimeSpan.FromMinutes(2));

        Assert.Equal(0, InotifyInstances(train.Id));
        train.KillHard();
    }

    [Fact]
    public async Task Dashboard_HoldsNoInotifyInstance()
    {
        using var dashboard = await DashboardProcess.StartAsync([DashboardProcess.NewRoot("inotify-dashboard")]);

        Assert.Equal(0, InotifyInstances(dashboard.Process.Id));
    }

    [Fact]
    public async Task Serve_HoldsNoInotifyInstance()
    {
        using var serve = new ServeProcess(ServeProcess.NewRoot("inotify-serve"));
        await serve.StartAsync();

        Assert.Equal(0, InotifyInstances(serve.Process!.Id));
    }

    // Each inotify instance is an open descriptor linked to "anon_inode:inotify".
    private static int InotifyInstances(int pid) =>
        new DirectoryInfo($"/proc/{pid}/fd").EnumerateFileSystemInfos().Count(fd => fd.LinkTarget == "anon_inode:inotify");
}
