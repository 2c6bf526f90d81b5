using System.Text.Json;
using Jaqmc.Tests.EndToEnd;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Jaqmc.Tests.Dashboard;

/// <summary>
/// The dashboard in a real browser (Chromium through Playwright): the runs listed, two runs overlaid, a zoom answered
/// by a finer request, smoothing, and a run that writes moving the list and the chart, then showing that it stopped.
/// Screenshots go to the test output directory (dashboard-*.png). Every wait is on a condition, with minutes to spare.
/// </summary>
public sealed class DashboardBrowserTests(TwoHeliumRunsFixture runs, ITestOutputHelper output) : IClassFixture<TwoHeliumRunsFixture>
{
    private const float Patience = 120_000;

    // The live run's last step in the chart (-1 before it is drawn).
    private const string LastStepDrawn = "(() => { const c = document.getElementById('chart-0'); const s = c && c.dataset.lastSteps ? JSON.parse(c.dataset.lastSteps)['dir:he-live'] : undefined; return s === undefined ? -1 : s; })()";

    [Fact]
    public async Task TwoRunsOverlaid_ZoomRefines_SmoothingAddsASmoothedCurve()
    {
        using var dashboard = await DashboardProcess.StartAsync([runs.Root]);
        var (playwright, browser) = await ChromiumBrowser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1280, Height = 900 } });

        await page.GotoAsync(dashboard.Url + "/");
        await page.Locator("#runs tbody tr").Nth(1).WaitForAsync(new() { Timeout = Patience });
        // The newest run is ticked on first load; tick the other (the list re-renders, so click rather than Check).
        await page.Locator("#runs tbody tr:not(.selected) input.select-run").ClickAsync(new() { Timeout = Patience });
        await WaitForAsync(page, "() => new Set((document.getElementById('chart-0')?.data ?? []).filter(t => t.meta && t.meta.role === 'raw').map(t => t.meta.run)).size === 2");
        await page.ScreenshotAsync(new() { Path = Screenshot("dashboard-overlay.png"), FullPage = true });

        var legend = await page.EvaluateAsync<string[]>("() => document.getElementById('chart-0').data.filter(t => t.showlegend !== false).map(t => t.name)");
        var refined = page.WaitForResponseAsync(r => r.Url.Contains("/api/curve?", StringComparison.Ordinal) && r.Url.Contains("from=", StringComparison.Ordinal), new() { Timeout = Patience });
        await DragAcrossAsync(page, "#chart-0");
        var zoomResponse = await refined;
        var zoom = JsonDocument.Parse(await zoomResponse.TextAsync()).RootElement;
        await page.SelectOptionAsync("#smoothing", "ema");
        await WaitForAsync(page, "() => (document.getElementById('chart-0')?.data ?? []).some(t => t.meta && t.meta.role === 'smoothed')");
        await page.ScreenshotAsync(new() { Path = Screenshot("dashboard-smoothed.png"), FullPage = true });

        Assert.Equal(["he-seed1", "he-seed2"], legend.Order(StringComparer.Ordinal));
        Assert.Equal(200, zoomResponse.Status);
        Assert.True(zoom.GetProperty("step").GetArrayLength() > 0, "the zoomed request returned no buckets");
        Assert.True(zoom.GetProperty("step")[0].GetInt64() >= zoom.GetProperty("from").GetInt64(), "the zoomed buckets start before the range asked");
        Assert.True(zoom.GetProperty("to").GetInt64() < 399, "the zoom asked for the whole run: " + zoomResponse.Url);
    }

    [Fact]
    public async Task ARunThatWrites_MovesTheListAndTheChart_ThenShowsThatItStopped()
    {
        var root = DashboardProcess.NewRoot("browser-live");
        using var dashboard = await DashboardProcess.StartAsync([root]);
        var (playwright, browser) = await ChromiumBrowser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1280, Height = 900 } });
        await page.GotoAsync(dashboard.Url + "/");
        await page.Locator("#live-state.on").WaitForAsync(new() { Timeout = Patience });

        using var training = JaqmcProcess.Start(
            ["train", "--system", "He", "-w", Path.Combine(root, "he-live"), "--iterations", "1000000", "--walkers", "64", "--no-progress", "--Writers:Csv:FlushInterval=00:00:00.100", "--Writers:Hdf5:Enabled=false"]);
        var row = page.Locator("#runs tbody tr[data-id='dir:he-live']");
        await row.WaitForAsync(new() { Timeout = Patience });
        if (!await row.Locator("input.select-run").IsCheckedAsync())
        {
            await row.Locator("input.select-run").ClickAsync(new() { Timeout = Patience });
        }
        await WaitForAsync(page, LastStepDrawn + " >= 0");
        var chartStep = await page.EvaluateAsync<long>(LastStepDrawn);
        var listStep = long.Parse(await row.Locator("td").Nth(6).InnerTextAsync(), System.Globalization.CultureInfo.InvariantCulture);
        await WaitForAsync(page, $"{LastStepDrawn} > {chartStep}");
        await WaitForAsync(page, $"() => Number(document.querySelector(\"#runs tr[data-id='dir:he-live'] td:nth-child(7)\").textContent) > {listStep}");
        var status = await row.Locator("td").Nth(4).InnerTextAsync();
        await page.ScreenshotAsync(new() { Path = Screenshot("dashboard-live.png"), FullPage = true });

        training.KillHard();
        await WaitForAsync(page, "() => document.querySelector(\"#runs tr[data-id='dir:he-live'] td:nth-child(5)\").textContent === 'interrupted'");

        Assert.Equal("running", status);
    }

    private static async Task WaitForAsync(IPage page, string condition) =>
        await page.WaitForFunctionAsync(condition, null, new() { Timeout = Patience, PollingInterval = 100 });

    // A drag over the middle third of the plot area: plotly's box zoom.
    private static async Task DragAcrossAsync(IPage page, string selector)
    {
        var box = await page.Locator(selector + " .nsewdrag").First.BoundingBoxAsync() ?? throw new InvalidOperationException("no plot area");
        var y = box.Y + (box.Height / 2);
        await page.Mouse.MoveAsync(box.X + (box.Width / 3), y);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(box.X + (box.Width / 2), y, new() { Steps = 8 });
        await page.Mouse.MoveAsync(box.X + (2 * box.Width / 3), y, new() { Steps = 8 });
        await page.Mouse.UpAsync();
    }

    private string Screenshot(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "screenshots", name);
        output.WriteLine("screenshot: " + path);
        return path;
    }
}
