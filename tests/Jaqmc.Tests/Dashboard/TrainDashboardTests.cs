using System.Globalization;
using Jaqmc.Tests.EndToEnd;

namespace Jaqmc.Tests.Dashboard;

/// <summary><c>jaqmc train --dashboard</c>: the dashboard serves the working directory's parent while the run trains.</summary>
public sealed class TrainDashboardTests
{
    [Fact]
    public async Task TrainWithDashboard_ListsTheRunAsRunning_WhileItTrains()
    {
        var root = DashboardProcess.NewRoot("train");
        var url = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{LoopbackPorts.Next()}");
        using var training = JaqmcProcess.Start(
            ["train", "--system", "He", "-w", Path.Combine(root, "he"), "--iterations", "1000000", "--walkers", "64", "--no-progress", "--dashboard", "--Dashboard:Urls=" + url, "--Writers:Hdf5:Enabled=false"]);
        await HttpReadiness.WaitUntilHealthyAsync(training, url);
        using var http = new HttpClient { BaseAddress = new Uri(url) };

        string body;
        var waited = System.Diagnostics.Stopwatch.StartNew();
        do
        {
            await Task.Delay(100);
            body = await http.GetStringAsync(new Uri("/api/runs", UriKind.Relative));
        }
        while (!body.Contains("\"status\":\"running\"", StringComparison.Ordinal) && waited.Elapsed < TimeSpan.FromMinutes(3));

        Assert.Contains("Dashboard: " + url + "/", training.Stdout, StringComparison.Ordinal);
        Assert.Contains("\"id\":\"dir:he\"", body, StringComparison.Ordinal);
        Assert.Contains("\"status\":\"running\"", body, StringComparison.Ordinal);
        training.KillHard();
    }
}
