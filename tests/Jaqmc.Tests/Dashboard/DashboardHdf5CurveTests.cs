namespace Jaqmc.Tests.Dashboard;

/// <summary>
/// A run directory whose only statistics file is HDF5, as it changes under the dashboard: read by columns and new
/// rows (<c>Hdf5ColumnReader</c>), the live tail and the whole curve still equal a direct computation after rows are
/// appended, and a file cut back and written again (a resume from an earlier step) is read afresh.
/// </summary>
public sealed class DashboardHdf5CurveTests
{
    [Fact]
    public async Task AfterRowsAreAppended_TheTailAndTheWholeCurveEqualADirectComputation()
    {
        var root = DashboardProcess.NewRoot("h5-tail");
        var directory = Path.Combine(root, "a");
        var run = await SyntheticRun.WriteHdf5Async(directory, 2500, seed: 3, from: 0, to: 2000);
        using var dashboard = await DashboardProcess.StartAsync([root]);

        var before = await dashboard.GetJsonAsync("/api/curve?run=dir:a&points=100");
        var pmoveBefore = await dashboard.GetJsonAsync("/api/curve?run=dir:a&key=pmove&points=100");
        await SyntheticRun.WriteHdf5Async(directory, 2500, seed: 3, from: 2000, to: 2500);
        var since = before.GetProperty("step")[before.GetProperty("step").GetArrayLength() - 1].GetInt64();
        var tail = await dashboard.GetJsonAsync($"/api/curve?run=dir:a&since={since}&width=20");
        var whole = await dashboard.GetJsonAsync("/api/curve?run=dir:a&points=125");
        var pmove = await dashboard.GetJsonAsync("/api/curve?run=dir:a&key=pmove&points=2500");

        Assert.Equal(1980, since);
        DashboardApiTests.AssertBuckets(run, before, from: 0, to: 1999, width: 20);
        DashboardApiTests.AssertBuckets(run, tail, from: 1980, to: long.MaxValue, width: 20);
        DashboardApiTests.AssertBuckets(run, whole, from: 0, to: 2499, width: 20);

        // The second key, read before and after the append, has every row's own value.
        Assert.Equal(100, pmoveBefore.GetProperty("step").GetArrayLength());
        Assert.Equal(Enumerable.Range(0, 2500).Select(i => (long)i), pmove.GetProperty("step").EnumerateArray().Select(s => s.GetInt64()));
        Assert.Equal(run.Pmove, pmove.GetProperty("mean").EnumerateArray().Select(v => v.GetDouble()));
    }

    [Fact]
    public async Task AFreshRunWithoutAKeyReadBefore_IsReadAfresh()
    {
        var root = DashboardProcess.NewRoot("h5-fresh");
        var directory = Path.Combine(root, "a");
        await SyntheticRun.WriteHdf5Async(directory, 1000, seed: 1, from: 0, to: 1000);
        using var dashboard = await DashboardProcess.StartAsync([root]);
        await dashboard.GetJsonAsync("/api/curve?run=dir:a&key=pmove&points=1000");

        // Another run in the same directory, as long, with the same steps but no pmove.
        File.Delete(Path.Combine(directory, "train_stats.h5"));
        var keys = new Jaqmc.Sinks.StatsKeys("total_energy");
        await SyntheticRun.WriteHdf5Async(directory, 0, [.. Enumerable.Range(0, 1000).Select(i => new Jaqmc.Sinks.StatsRecord("train", i, keys, [-1.0 - i]))]);

        var energy = await dashboard.GetJsonAsync("/api/curve?run=dir:a&points=1000");
        var (status, error) = await dashboard.GetErrorAsync("/api/curve?run=dir:a&key=pmove&points=1000");

        Assert.Equal(Enumerable.Range(0, 1000).Select(i => -1.0 - i), energy.GetProperty("mean").EnumerateArray().Select(v => v.GetDouble()));
        Assert.Equal((404, "run 'dir:a' has no 'pmove' values in stage 'train'"), (status, error));
    }

    [Fact]
    public async Task AFileCutBackAndWrittenAgain_IsReadAfresh()
    {
        var root = DashboardProcess.NewRoot("h5-rewrite");
        var directory = Path.Combine(root, "a");
        await SyntheticRun.WriteHdf5Async(directory, 1000, seed: 1, from: 0, to: 1000);
        using var dashboard = await DashboardProcess.StartAsync([root]);
        await dashboard.GetJsonAsync("/api/curve?run=dir:a&points=1000");

        // A resume from step 600 with other values (another seed), longer than before: only a fresh read gets the
        // rows from 600 on right. Then one from step 0, shorter than anything read.
        var resumed = await SyntheticRun.WriteHdf5Async(directory, 1200, seed: 5, from: 600, to: 1200);
        var curve = await dashboard.GetJsonAsync("/api/curve?run=dir:a&points=1200");
        var shorter = await SyntheticRun.WriteHdf5Async(directory, 300, seed: 6, from: 0, to: 300);
        var cut = await dashboard.GetJsonAsync("/api/curve?run=dir:a&points=300");

        var original = SyntheticRun.Values(1000, seed: 1);
        var steps = curve.GetProperty("step").EnumerateArray().Select(s => s.GetInt64()).ToList();
        var means = curve.GetProperty("mean").EnumerateArray().Select(v => v.ValueKind == System.Text.Json.JsonValueKind.Null ? double.NaN : v.GetDouble()).ToList();
        Assert.Equal(Enumerable.Range(0, 1200).Where(i => i != 901).Select(i => (long)i), steps);
        Assert.Equal(Enumerable.Range(0, 1200).Where(i => i != 901).Select(i => i < 600 ? original.Energy[i] : resumed.Energy[i]), means);
        DashboardApiTests.AssertBuckets(shorter, cut, from: 0, to: 299, width: 1);
    }
}
