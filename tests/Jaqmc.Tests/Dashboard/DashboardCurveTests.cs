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

    [Fact]
    public async Task AnEvaluationFileRewrittenToTheSameLength_ShowsItsNewEnergy()
    {
        var root = DashboardProcess.NewRoot("evaluation-rewrite");
        Directory.CreateDirectory(Path.Combine(root, "a"));
        var path = Path.Combine(root, "a", "evaluation_stats.csv");
        static string Rows(string value) => "step,pmove,total_energy\r\n" + string.Concat(Enumerable.Range(0, 100).Select(i => $"{i},0.5,{value}\r\n"));
        await File.WriteAllTextAsync(path, Rows("-2.5"));
        using var dashboard = await DashboardProcess.StartAsync([root]);
        var before = await dashboard.GetJsonAsync("/api/runs");

        await File.WriteAllTextAsync(path, Rows("-3.5"));
        var after = await dashboard.GetJsonAsync("/api/runs");

        static double Mean(System.Text.Json.JsonElement runs) => runs.GetProperty("runs")[0].GetProperty("evaluation").GetProperty("mean").GetDouble();
        Assert.Equal(-2.5, Mean(before));
        Assert.Equal(-3.5, Mean(after));
    }

    [Fact]
    public async Task UnderACommaDecimalCulture_ExponentsNaNAndInfinitiesReadAsTheWriterWroteThem()
    {
        var root = DashboardProcess.NewRoot("culture");
        Directory.CreateDirectory(Path.Combine(root, "a"));
        await File.WriteAllTextAsync(
            Path.Combine(root, "a", "train_stats.csv"),
            "step,pmove,total_energy\r\n0,0.5,1E-05\r\n1,0.5,-Infinity\r\n2,0.5,NaN\r\n3,0.5,\r\n4,0.5,-2.5\r\n5,0.5,Infinity\r\n6,0.5,1.25e+3\r\n");
        using var dashboard = await DashboardProcess.StartAsync([root], environment: new Dictionary<string, string?> { ["LC_ALL"] = "de_DE.UTF-8", ["LANG"] = "de_DE.UTF-8" });

        var curve = await dashboard.GetJsonAsync("/api/curve?run=dir:a&points=10");

        // NaN and an empty cell are no value (no bucket); ±Infinity are values, written as null (JSON has none).
        Assert.Equal([0L, 1L, 4L, 5L, 6L], curve.GetProperty("step").EnumerateArray().Select(s => s.GetInt64()));
        Assert.Equal(1e-05, curve.GetProperty("mean")[0].GetDouble());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, curve.GetProperty("mean")[1].ValueKind);
        Assert.Equal(-2.5, curve.GetProperty("mean")[2].GetDouble());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, curve.GetProperty("mean")[3].ValueKind);
        Assert.Equal(1250.0, curve.GetProperty("mean")[4].GetDouble());
    }
}
