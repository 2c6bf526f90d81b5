namespace Jaqmc.Tests.Dashboard;

/// <summary>
/// A run directory's curve as its CSV file changes under the dashboard: the live tail (<c>since</c>, <c>width</c>)
/// equals the whole curve's buckets from there after rows are appended, and a file cut back and written again (a
/// resume) is read afresh, not appended to what was read.
/// </summary>
public sealed class DashboardCurveTests
{
    [Fact]
    public async Task AfterRowsAreAppended_TheTailAndTheWholeCurveEqualADirectComputation()
    {
        var root = DashboardProcess.NewRoot("tail");
        var full = SyntheticRun.Write(Path.Combine(root, "full"), 2500, seed: 3);
        var lines = await File.ReadAllLinesAsync(Path.Combine(full.Directory, "train_stats.csv"));
        var served = Path.Combine(root, "runs", "a", "train_stats.csv");
        Directory.CreateDirectory(Path.GetDirectoryName(served)!);
        await File.WriteAllTextAsync(served, string.Concat(lines[..2001].Select(l => l + "\r\n")));
        using var dashboard = await DashboardProcess.StartAsync([Path.Combine(root, "runs")]);

        var before = await dashboard.GetJsonAsync("/api/curve?run=dir:a&points=100");
        await File.AppendAllTextAsync(served, string.Concat(lines[2001..].Select(l => l + "\r\n")));
        var since = before.GetProperty("step")[before.GetProperty("step").GetArrayLength() - 1].GetInt64();
        var tail = await dashboard.GetJsonAsync($"/api/curve?run=dir:a&since={since}&width=20");
        var whole = await dashboard.GetJsonAsync("/api/curve?run=dir:a&points=125");

        Assert.Equal(1980, since);
        Assert.Equal(1980, tail.GetProperty("since").GetInt64());
        DashboardApiTests.AssertBuckets(full, tail, from: 1980, to: long.MaxValue, width: 20);
        DashboardApiTests.AssertBuckets(full, whole, from: 0, to: 2499, width: 20);
    }

    [Fact]
    public async Task AFileCutBackAndWrittenAgain_IsReadAfresh()
    {
        var root = DashboardProcess.NewRoot("rewrite");
        SyntheticRun.Write(Path.Combine(root, "a"), 1000, seed: 1);
        using var dashboard = await DashboardProcess.StartAsync([root]);
        await dashboard.GetJsonAsync("/api/curve?run=dir:a&points=1000");

        // Longer than before, other values from the first row on: only a fresh read gets them right.
        var again = SyntheticRun.Write(Path.Combine(root, "a"), 1200, seed: 5);
        var curve = await dashboard.GetJsonAsync("/api/curve?run=dir:a&points=1200");
        var shorter = SyntheticRun.Write(Path.Combine(root, "a"), 300, seed: 6);
        var cut = await dashboard.GetJsonAsync("/api/curve?run=dir:a&points=300");

        DashboardApiTests.AssertBuckets(again, curve, from: 0, to: 1199, width: 1);
        DashboardApiTests.AssertBuckets(shorter, cut, from: 0, to: 299, width: 1);
    }
}
