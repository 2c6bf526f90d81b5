using System.Net;
using System.Text;
using System.Text.Json;
using Jaqmc.Tests.EndToEnd;

namespace Jaqmc.Tests.Remote;

/// <summary>
/// <c>jaqmc runs ROOT</c> over a <c>jaqmc serve</c> root: a server-written run has no checkpoints, so its status
/// comes from what the server recorded of each stream — completed, interrupted, or running while the stream is open
/// (and interrupted once that server is gone).
/// </summary>
public sealed class ServedRunStatusTests
{
    [Fact]
    public async Task RunsOverAServeRoot_ShowCompletedInterruptedAndRunningStreams_AndAKilledServersOpenStreamAsInterrupted()
    {
        using var server = new ServeProcess(ServeProcess.NewRoot("status"));
        await server.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(server.Url), Timeout = TimeSpan.FromMinutes(2) };

        await WriteStageAsync(http, "done", "train", "completed");
        await WriteStageAsync(http, "evaluated", "train", "completed");
        await WriteStageAsync(http, "evaluated", "evaluation", "completed");
        await WriteStageAsync(http, "stopped", "train", "interrupted");
        var open = await OpenAsync(http, "open", "train");
        await AppendAsync(http, open, 0, 1);

        var whileServing = await RunsAsync(server.Root);
        server.KillHard();
        var afterKill = await RunsAsync(server.Root);

        Assert.Equal("completed", whileServing["done"]);
        Assert.Equal("completed", whileServing["evaluated"]);
        Assert.Equal("interrupted", whileServing["stopped"]);
        Assert.Equal("running", whileServing["open"]);
        Assert.Equal("interrupted", afterKill["open"]);
        Assert.Equal("completed", afterKill["done"]);
    }

    private static async Task<Dictionary<string, string>> RunsAsync(string root)
    {
        var runs = await JaqmcProcess.RunAsync(["runs", root, "--json"], timeout: TimeSpan.FromMinutes(5));
        Assert.True(runs.ExitCode == 0, $"jaqmc runs exited {runs.ExitCode}:\n{runs.Stdout}\n{runs.Stderr}");
        using var json = JsonDocument.Parse(runs.Stdout);
        return json.RootElement.EnumerateArray().ToDictionary(
            r => Property(r, "name").GetString()!,
            r => Property(r, "status").GetString()!,
            StringComparer.Ordinal);
    }

    private static JsonElement Property(JsonElement element, string name) =>
        element.EnumerateObject().First(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)).Value;

    private static async Task WriteStageAsync(HttpClient http, string run, string stage, string outcome)
    {
        var stream = await OpenAsync(http, run, stage);
        await AppendAsync(http, stream, 0, 1);
        await CloseAsync(http, stream, outcome);
    }

    private static async Task<string> OpenAsync(HttpClient http, string run, string stage)
    {
        using var response = await http.PostAsync("/v1/streams", Json($$"""{"run":"{{run}}","stage":"{{stage}}","initial_step":0,"session":"s-{{run}}"}"""));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        using var json = JsonDocument.Parse(text);
        return json.RootElement.GetProperty("stream").GetString()!;
    }

    private static async Task AppendAsync(HttpClient http, string stream, params long[] steps)
    {
        var rows = string.Join(',', steps.Select(s => $"[{s},-1.5]"));
        using var response = await http.PostAsync($"/v1/streams/{stream}/records", Json("{\"keys\":[\"total_energy\"],\"rows\":[" + rows + "]}"));
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    private static async Task CloseAsync(HttpClient http, string stream, string outcome)
    {
        using var response = await http.PostAsync($"/v1/streams/{stream}/close", Json($$"""{"outcome":"{{outcome}}"}"""));
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
