using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Jaqmc.Tests.EndToEnd;

namespace Jaqmc.Tests.Dashboard;

/// <summary>Runs <c>jaqmc dashboard</c> as a child process on a free loopback port.</summary>
internal sealed class DashboardProcess : IDisposable
{
    private DashboardProcess(JaqmcProcess process, int port)
    {
        Process = process;
        Url = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}");
        Http = new HttpClient { BaseAddress = new Uri(Url), Timeout = TimeSpan.FromMinutes(2) };
    }

    public JaqmcProcess Process { get; }

    /// <summary>The loopback address to reach it at.</summary>
    public string Url { get; }

    public HttpClient Http { get; }

    /// <summary>Starts <c>jaqmc dashboard ARGS --urls http://HOST:PORT</c> (HOST 127.0.0.1 unless <paramref name="bindHost"/>) in <paramref name="workingDirectory"/> (default: the temp directory), the native build with <paramref name="native"/>, and waits until it answers.</summary>
    public static async Task<DashboardProcess> StartAsync(IEnumerable<string> args, string bindHost = "127.0.0.1", string? workingDirectory = null, IDictionary<string, string?>? environment = null, bool native = false)
    {
        var port = LoopbackPorts.Next();
        var process = JaqmcProcess.Start(["dashboard", .. args, "--urls", string.Create(CultureInfo.InvariantCulture, $"http://{bindHost}:{port}"), "--Dashboard:LiveInterval=00:00:00.100"], environment, workingDirectory, native: native);
        var dashboard = new DashboardProcess(process, port);
        await HttpReadiness.WaitUntilHealthyAsync(process, dashboard.Url);
        return dashboard;
    }

    /// <summary>A new empty directory for a test's runs.</summary>
    public static string NewRoot(string scenario)
    {
        var root = Path.Combine(Path.GetTempPath(), "jaqmc-tests", "dashboard", scenario + "-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        return root;
    }

    /// <summary>GETs <paramref name="path"/> and parses the JSON answer; fails with the body unless it is 200.</summary>
    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await Http.GetAsync(new Uri(path, UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>The error message of a refused request and its status.</summary>
    public async Task<(int Status, string Error)> GetErrorAsync(string path, HttpClient? client = null)
    {
        using var response = await (client ?? Http).GetAsync(new Uri(Url + path));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return ((int)response.StatusCode, body.GetProperty("error").GetString()!);
    }

    public void Dispose()
    {
        Http.Dispose();
        Process.Dispose();
    }
}
