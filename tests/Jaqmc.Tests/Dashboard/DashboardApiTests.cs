using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Jaqmc.Tests.EndToEnd;

namespace Jaqmc.Tests.Dashboard;

/// <summary>
/// <c>jaqmc dashboard</c>'s JSON API on run directories, without a browser: the runs list, curve buckets equal to a
/// direct computation over the file, 400s naming the parameter, the live stream, and the token off loopback.
/// </summary>
public sealed partial class DashboardApiTests(SmallRunDashboardFixture small) : IClassFixture<SmallRunDashboardFixture>
{
    [Fact]
    public async Task Curve_OfARunDirectory_BucketsEqualADirectComputation_WholeAndZoomed()
    {
        var root = DashboardProcess.NewRoot("curve");
        var run = SyntheticRun.Write(Path.Combine(root, "a"), 2000, seed: 1);
        SyntheticRun.Write(Path.Combine(root, "nested", "b"), 500, seed: 2);
        using var dashboard = await DashboardProcess.StartAsync([root]);

        var runs = await dashboard.GetJsonAsync("/api/runs");
        var whole = await dashboard.GetJsonAsync("/api/curve?run=dir:a&points=100");
        var zoom = await dashboard.GetJsonAsync("/api/curve?run=dir:a&from=700&to=800&points=1000");

        Assert.Equal(["dir:a", "dir:nested/b"], runs.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("id").GetString()).Order(StringComparer.Ordinal));
        AssertBuckets(run, whole, from: 0, to: 1999, width: 20);
        Assert.Equal(5.0, whole.GetProperty("max")[777 / 20].GetDouble());
        AssertBuckets(run, zoom, from: 700, to: 800, width: 1);
    }

    [Theory]
    [InlineData("/api/curve?run=dir:a&points=0", 400, "points must be a whole number from 1 to Dashboard:MaxPoints=10000 (got '0')")]
    [InlineData("/api/curve?run=dir:a&points=many", 400, "points must be a whole number from 1 to Dashboard:MaxPoints=10000 (got 'many')")]
    [InlineData("/api/curve?run=dir:a&from=-5", 400, "from must be a whole number of steps ≥ 0 (got '-5')")]
    [InlineData("/api/curve?run=dir:a&from=10&to=5", 400, "to must be at least from (got from=10, to=5)")]
    [InlineData("/api/curve?key=total_energy", 400, "run must name a run id from /api/runs, such as pg:NAME or dir:PATH (got none)")]
    [InlineData("/api/curve?run=a", 400, "run must be an id from /api/runs starting with dir: (got 'a')")]
    [InlineData("/api/curve?run=dir:../etc", 404, "run 'dir:../etc' has no 'total_energy' values in stage 'train'")]
    [InlineData("/api/curve?run=dir:a&key=nope", 404, "run 'dir:a' has no 'nope' values in stage 'train'")]
    [InlineData("/api/curve?run=dir:a&since=5", 400, "since and width go together, width a whole number from 1 to 10^12: the stepsPerBucket of the curve held (got since='5', width='')")]
    [InlineData("/api/curve?run=dir:a&since=5&width=2&points=3", 400, "since asks for a live tail: it takes no from, to or points (got points)")]
    [InlineData("/api/runs?status=sleeping", 400, "status must be one of running, completed, interrupted, failed (got 'sleeping')")]
    [InlineData("/api/run", 400, "id must name a run id from /api/runs, such as pg:NAME or dir:PATH (got none)")]
    [InlineData("/api/run?id=dir:missing", 404, "id names no run (got 'dir:missing')")]
    public async Task BadParameters_GetAClearError(string path, int status, string message)
    {
        var (got, error) = await small.Dashboard.GetErrorAsync(path);

        Assert.Equal(status, got);
        Assert.Equal(message, error);
    }

    [Fact]
    public async Task OnlyReads_OtherMethodsGet405()
    {
        using var response = await small.Dashboard.Http.PostAsync(new Uri("/api/runs", UriKind.Relative), new StringContent("{}"));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(50, File.ReadAllLines(Path.Combine(small.Root, "a", "train_stats.csv")).Length - 1);
    }

    [Fact]
    public async Task LiveStream_FirstListsEveryRun_ThenSendsTheRunThatGrew()
    {
        var root = DashboardProcess.NewRoot("live");
        var run = SyntheticRun.Write(Path.Combine(root, "a"), 100, seed: 1);
        using var dashboard = await DashboardProcess.StartAsync([root]);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/live");
        using var response = await dashboard.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var events = new StreamReader(await response.Content.ReadAsStreamAsync());

        var first = await NextEventAsync(events);
        await File.AppendAllTextAsync(Path.Combine(run.Directory, "train_stats.csv"), "100,0.5,-2.5,0.1\r\n101,0.5,-2.25,0.1\r\n");
        var grown = await NextEventAsync(events, e => e.GetProperty("runs").EnumerateArray().Any(r => r.GetProperty("step").GetInt64() == 101));

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.True(first.GetProperty("full").GetBoolean());
        Assert.Equal(99, first.GetProperty("runs")[0].GetProperty("step").GetInt64());
        Assert.False(grown.GetProperty("full").GetBoolean());
        Assert.Equal(-2.25, grown.GetProperty("runs")[0].GetProperty("energy").GetDouble());
    }

    [Fact]
    public async Task BoundBeyondLoopback_WithoutAToken_GeneratesOne_PrintsItOnce_AndRequiresIt()
    {
        var root = DashboardProcess.NewRoot("token");
        SyntheticRun.Write(Path.Combine(root, "a"), 50, seed: 1);
        using var dashboard = await DashboardProcess.StartAsync([root], bindHost: "0.0.0.0");
        // The address line comes after the server answers /healthz: wait for it, not for a lucky interleaving.
        await dashboard.Process.WaitForOutputAsync("?token=", TimeSpan.FromMinutes(2));
        var token = TokenInUrl().Match(dashboard.Process.Stdout).Groups[1].Value;
        using var cookies = new HttpClientHandler { CookieContainer = new CookieContainer() };
        using var browser = new HttpClient(cookies) { BaseAddress = new Uri(dashboard.Url) };

        var (none, error) = await dashboard.GetErrorAsync("/api/runs");
        var (wrong, _) = await dashboard.GetErrorAsync("/api/runs?token=guess");
        using var bearer = new HttpRequestMessage(HttpMethod.Get, "/api/runs") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", token) } };
        using var withBearer = await dashboard.Http.SendAsync(bearer);
        using var page = await browser.GetAsync(new Uri("/?token=" + token, UriKind.Relative));
        using var withCookie = await browser.GetAsync(new Uri("/api/runs", UriKind.Relative));

        Assert.True(token.Length >= 20, "no generated token printed:\n" + dashboard.Process.Stdout);
        Assert.Equal(401, none);
        Assert.Equal(401, wrong);
        Assert.StartsWith("a token is required", error, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, withBearer.StatusCode);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal(HttpStatusCode.OK, withCookie.StatusCode);
        Assert.Single(Regex.Matches(dashboard.Process.Stdout + dashboard.Process.Stderr, Regex.Escape(token)));
    }

    [Fact]
    public async Task DatabaseUnreachable_ListsTheRunDirectories_WithAnErrorNamingPostgres_AndNeverThePassword()
    {
        var root = DashboardProcess.NewRoot("secret");
        SyntheticRun.Write(Path.Combine(root, "a"), 50, seed: 1);
        const string password = "pw-that-must-not-leak";
        using var dashboard = await DashboardProcess.StartAsync([root, "-c", $"Host=127.0.0.1;Port=1;Username=reader;Password={password};Timeout=2"]);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/live");
        using var response = await dashboard.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var events = new StreamReader(await response.Content.ReadAsStreamAsync());

        var runs = await dashboard.GetJsonAsync("/api/runs");
        var first = await NextEventAsync(events);
        var page = await dashboard.Http.GetStringAsync(new Uri("/", UriKind.Relative));
        var body = runs.GetRawText() + first.GetRawText();

        Assert.Equal(["dir:a"], runs.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("id").GetString()));
        var error = Assert.Single(runs.GetProperty("errors").EnumerateArray());
        Assert.Equal("postgres", error.GetProperty("source").GetString());
        Assert.StartsWith("PostgreSQL unreachable: ", error.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(["dir:a"], first.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("id").GetString()));
        Assert.Equal("postgres", Assert.Single(first.GetProperty("errors").EnumerateArray()).GetProperty("source").GetString());
        Assert.DoesNotContain(password, body, StringComparison.Ordinal);
        Assert.DoesNotContain(password, page, StringComparison.Ordinal);
        Assert.DoesNotContain(password, dashboard.Process.Stdout + dashboard.Process.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunWithAPostgresSpool_ListsItsBacklog_AsJaqmcRunsCountsIt()
    {
        var root = DashboardProcess.NewRoot("spool");
        var spooled = Path.Combine(root, "spooled");
        SyntheticRun.Write(Path.Combine(root, "plain"), 50, seed: 1);
        using (var train = await JaqmcProcess.RunAsync(
            ["train", "--system", "He", "-w", spooled, "--name", "spooled", "--iterations", "120", "--eval-iterations", "0", "--walkers", "64", "--no-progress",
             "--ConnectionStrings:Stats=Host=127.0.0.1;Port=1;Username=u;Password=p;Timeout=1", "--Writers:Postgres:Spool:Enabled=true"]))
        {
            Assert.True(train.ExitCode == 0, $"training failed ({train.ExitCode}):\n{train.Stdout}\n{train.Stderr}");
        }

        var expected = Jaqmc.Service.SpoolBacklog.Read(Path.Combine(spooled, "spool", "Postgres"));
        using var dashboard = await DashboardProcess.StartAsync([root]);

        var runs = (await dashboard.GetJsonAsync("/api/runs")).GetProperty("runs").EnumerateArray().ToDictionary(r => r.GetProperty("id").GetString()!);

        var backlog = runs["dir:spooled"].GetProperty("spooled");
        Assert.Equal(120, expected.Records);
        Assert.Equal(expected.Records, backlog.GetProperty("records").GetInt64());
        Assert.Equal(expected.StageChanges, backlog.GetProperty("stageChanges").GetInt64());
        Assert.True(expected.StageChanges > 0, "the spool holds no stage frame");
        Assert.Equal(expected.Bytes, backlog.GetProperty("bytes").GetInt64());
        Assert.Equal(JsonValueKind.Null, runs["dir:plain"].GetProperty("spooled").ValueKind);
    }

    [Fact]
    public async Task OnlySourceUnreachable_Gets503NamingIt()
    {
        using var dashboard = await DashboardProcess.StartAsync(["-c", "Host=127.0.0.1;Port=1;Username=reader;Password=x;Timeout=2"], workingDirectory: DashboardProcess.NewRoot("no-dir"));

        var (status, error) = await dashboard.GetErrorAsync("/api/runs");

        Assert.Equal(503, status);
        Assert.StartsWith("PostgreSQL unreachable: ", error, StringComparison.Ordinal);
    }

    internal static void AssertBuckets(SyntheticRun run, JsonElement curve, long from, long to, long width)
    {
        var expected = Enumerable.Range(0, run.Steps.Length)
            .Where(i => run.Steps[i] >= from && run.Steps[i] <= to && !double.IsNaN(run.Energy[i]))
            .GroupBy(i => run.Steps[i] / width)
            .OrderBy(g => g.Key)
            .ToList();
        Assert.Equal(width, curve.GetProperty("stepsPerBucket").GetInt64());
        Assert.Equal(expected.Count, curve.GetProperty("step").GetArrayLength());
        for (var b = 0; b < expected.Count; b++)
        {
            var values = expected[b].Select(i => run.Energy[i]).ToArray();
            Assert.Equal(run.Steps[expected[b].First()], curve.GetProperty("step")[b].GetInt64());
            Assert.Equal(run.Steps[expected[b].Last()], curve.GetProperty("lastStep")[b].GetInt64());
            Assert.Equal(values.Length, curve.GetProperty("count")[b].GetInt64());
            Assert.Equal(values.Min(), curve.GetProperty("min")[b].GetDouble());
            Assert.Equal(values.Max(), curve.GetProperty("max")[b].GetDouble());
            Assert.Equal(values.Average(), curve.GetProperty("mean")[b].GetDouble(), 12);
            Assert.Equal(values[^1], curve.GetProperty("last")[b].GetDouble());
        }
    }

    private static async Task<JsonElement> NextEventAsync(StreamReader events, Func<JsonElement, bool>? wanted = null)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (true)
        {
            var line = await events.ReadLineAsync(timeout.Token) ?? throw new InvalidOperationException("the event stream ended");
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                var data = JsonDocument.Parse(line["data: ".Length..]).RootElement.Clone();
                if (wanted is null || wanted(data))
                {
                    return data;
                }
            }
        }
    }

    [GeneratedRegex(@"\?token=([A-Za-z0-9_\-]+)")]
    private static partial Regex TokenInUrl();
}
