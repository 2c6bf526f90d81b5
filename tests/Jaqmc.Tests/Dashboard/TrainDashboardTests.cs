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

        await training.WaitForOutputAsync("Dashboard: " + url + "/", TimeSpan.FromMinutes(2));
        Assert.Contains("Dashboard: " + url + "/", training.Stdout, StringComparison.Ordinal);
        Assert.Contains("\"id\":\"dir:he\"", body, StringComparison.Ordinal);
        Assert.Contains("\"status\":\"running\"", body, StringComparison.Ordinal);
        training.KillHard();
    }

    [Fact]
    public async Task ResumedTwice_TheRunDirectoryMarksEachRestartAtItsInitialStep()
    {
        var root = DashboardProcess.NewRoot("resumes");
        var directory = Path.Combine(root, "he");
        foreach (var iterations in new[] { "40", "70", "100" })
        {
            using var train = await JaqmcProcess.RunAsync(["train", "--system", "He", "-w", directory, "--iterations", iterations, "--eval-iterations", "0", "--walkers", "64", "--no-progress"]);
            Assert.True(train.ExitCode == 0, $"training to {iterations} failed ({train.ExitCode}):\n{train.Stdout}\n{train.Stderr}");
        }

        using var dashboard = await DashboardProcess.StartAsync([root]);
        var runs = await dashboard.GetJsonAsync("/api/runs");

        var stage = Assert.Single(Assert.Single(runs.GetProperty("runs").EnumerateArray()).GetProperty("stages").EnumerateArray());
        Assert.Equal("train", stage.GetProperty("name").GetString());
        Assert.Equal(0, stage.GetProperty("firstStep").GetInt64());
        Assert.Equal(99, stage.GetProperty("lastStep").GetInt64());
        Assert.Equal([40L, 70L], stage.GetProperty("resumes").EnumerateArray().Select(r => r.GetInt64()));
    }
}
