using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Jaqmc.Tests.EndToEnd;

namespace Jaqmc.Tests.Remote;

/// <summary>
/// What <c>jaqmc serve</c> refuses: a non-loopback bind without a token, requests without the token, names that are
/// not safe as paths, malformed batches (a 4xx naming the field; nothing of the batch is written, and another run's
/// stream goes on), oversized bodies.
/// </summary>
public sealed class ServeSecurityTests
{
    [Fact]
    public async Task NonLoopbackBind_WithoutAToken_IsAConfigurationError()
    {
        var p = await JaqmcProcess.RunAsync(["serve", "--root", ServeProcess.NewRoot("bind"), "--urls", "http://0.0.0.0:5199"]);

        Assert.Equal(2, p.ExitCode);
        Assert.Contains("Serve:Urls binds a non-loopback address, so Serve:Token (or --token, JAQMC_Serve__Token) must be set (got 'http://0.0.0.0:5199')", p.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KestrelEndpoints_WhichWouldBypassTheTokenRule_AreAConfigurationError()
    {
        var p = await JaqmcProcess.RunAsync(["serve", "--root", ServeProcess.NewRoot("endpoints"), "--Kestrel:Endpoints:Open:Url=http://0.0.0.0:5198"]);

        Assert.Equal(2, p.ExitCode);
        Assert.Contains("Kestrel:Endpoints must not be set: give the addresses in Serve:Urls (--urls) and an https:// address's certificate in Kestrel:Certificates:Default (got Kestrel:Endpoints:Open)", p.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithAToken_RequestsWithoutIt_Get401_AndOpenNothing()
    {
        using var server = new ServeProcess(ServeProcess.NewRoot("token"), "--token", "s3cret-token");
        await server.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(server.Url) };

        using var none = await http.PostAsync("/v1/streams", Json("""{"run":"r","stage":"train","initial_step":0,"session":"a"}"""));
        using var wrong = await Send(http, "/v1/streams", """{"run":"r","stage":"train","initial_step":0,"session":"a"}""", "wrong");
        using var right = await Send(http, "/v1/streams", """{"run":"r","stage":"train","initial_step":0,"session":"a"}""", "s3cret-token");

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Contains("Authorization header must be 'Bearer <the server's token>'", await ErrorOf(none), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.DoesNotContain("s3cret-token", server.Process!.Stdout + server.Process.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"run":"x/../etc","stage":"train","session":"a"}""", "run may hold only ASCII letters, digits, '_', '-' and '.' (got 'x/../etc')")]
    [InlineData("""{"run":".hidden","stage":"train","session":"a"}""", "run must not start with '.' or '-' (got '.hidden')")]
    [InlineData("""{"run":"ok","stage":"a/b","session":"a"}""", "stage may hold only ASCII letters")]
    [InlineData("""{"run":"ok","stage":"train","initial_step":-1,"session":"a"}""", "initial_step must be a whole number ≥ 0 (got -1)")]
    [InlineData("""{"run":"ok","stage":"train"}""", "session must be a string")]
    public async Task BadStreamNames_Get400NamingTheField_AndCreateNoDirectory(string body, string message)
    {
        using var server = new ServeProcess(ServeProcess.NewRoot("names"));
        await server.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(server.Url) };

        using var response = await http.PostAsync("/v1/streams", Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(message, await ErrorOf(response), StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateDirectories(server.Root));
    }

    [Fact]
    public async Task ABadBatch_Gets400NamingTheField_WritesNothingOfIt_AndAnotherRunGoesOn()
    {
        using var server = new ServeProcess(ServeProcess.NewRoot("batch"), "--Serve:MaxRequestBytes=4000", "--Serve:MaxKeys=4");
        await server.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(server.Url) };
        var bad = await OpenAsync(http, "bad");
        var good = await OpenAsync(http, "good");

        using var first = await http.PostAsync($"/v1/streams/{bad}/records", Json("""{"keys":["e","v"],"rows":[[0,1.5,2.5]]}"""));
        var refused = new (string Body, HttpStatusCode Status, string Message)[]
        {
            ("""{"keys":["e","v"],"rows":[[1,1.5,2.5],[2,"x",2.5]]}""", HttpStatusCode.BadRequest, "rows[1][1] must be a number, \"NaN\""),
            ("""{"keys":["e","v"],"rows":[[1,1.5]]}""", HttpStatusCode.BadRequest, "rows[0] must hold the step and 2 values, one per key (got 1 values)"),
            ("""{"keys":["e","v"],"rows":[[3,1,2],[3,1,2]]}""", HttpStatusCode.BadRequest, "rows[1][0] (the step) must be greater than the previous row's step 3 (got 3)"),
            ("""{"keys":["e","e"],"rows":[[1,1,2]]}""", HttpStatusCode.BadRequest, "keys[1] must not repeat a key"),
            ("""{"keys":["a","b","c","d","e"],"rows":[[1,1,2,3,4,5]]}""", HttpStatusCode.BadRequest, "keys must hold at most 4 names"),
            ("""{"keys":["step"],"rows":[[1,1]]}""", HttpStatusCode.BadRequest, "keys[0] must not be 'step'"),
            ("{\"keys\":[\"e\"],\"rows\":[" + string.Join(',', Enumerable.Range(1, 1000).Select(i => $"[{i},1.0]")) + "]}", HttpStatusCode.RequestEntityTooLarge, "body must be at most Serve:MaxRequestBytes=4000 bytes"),
        };
        foreach (var (body, status, message) in refused)
        {
            using var response = await http.PostAsync($"/v1/streams/{bad}/records", Json(body));
            Assert.Equal(status, response.StatusCode);
            Assert.Contains(message, await ErrorOf(response), StringComparison.Ordinal);
        }

        using var other = await http.PostAsync($"/v1/streams/{good}/records", Json("""{"keys":["e","v"],"rows":[[0,1,2],[1,"NaN","-Infinity"]]}"""));
        using var after = await http.PostAsync($"/v1/streams/{bad}/records", Json("""{"keys":["e","v"],"rows":[[1,3.5,4.5]]}"""));
        foreach (var run in new[] { bad, good })
        {
            using var closed = await http.PostAsync($"/v1/streams/{run}/close", Json("""{"outcome":"completed"}"""));
            Assert.Equal(HttpStatusCode.OK, closed.StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Equal("step,e,v\r\n0,1.5,2.5\r\n1,3.5,4.5\r\n".ReplaceLineEndings("\n"), File.ReadAllText(Path.Combine(server.Root, "bad", "train_stats.csv")).ReplaceLineEndings("\n"));
        Assert.Equal("step,e,v\r\n0,1.0,2.0\r\n1,NaN,-Infinity\r\n".ReplaceLineEndings("\n"), File.ReadAllText(Path.Combine(server.Root, "good", "train_stats.csv")).ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task ABatchSentTwice_IsWrittenOnce()
    {
        using var server = new ServeProcess(ServeProcess.NewRoot("twice"));
        await server.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(server.Url) };
        var id = await OpenAsync(http, "twice");
        const string batch = """{"keys":["e"],"rows":[[0,1],[1,2]]}""";

        using var once = await http.PostAsync($"/v1/streams/{id}/records", Json(batch));
        using var again = await http.PostAsync($"/v1/streams/{id}/records", Json(batch));
        using var reattached = await http.PostAsync("/v1/streams", Json("""{"run":"twice","stage":"train","initial_step":0,"session":"s-twice"}"""));
        using var overlapping = await http.PostAsync($"/v1/streams/{id}/records", Json("""{"keys":["e"],"rows":[[1,2],[2,3]]}"""));
        using var closed = await http.PostAsync($"/v1/streams/{id}/close", Json("{}"));

        Assert.Contains("\"durable_step\":1", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("\"durable_step\":1", await reattached.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("\"durable_step\":2", await overlapping.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("step,e\n0,1.0\n1,2.0\n2,3.0\n", File.ReadAllText(Path.Combine(server.Root, "twice", "train_stats.csv")).ReplaceLineEndings("\n"));
    }

    private static async Task<string> OpenAsync(HttpClient http, string run)
    {
        using var response = await http.PostAsync("/v1/streams", Json($$"""{"run":"{{run}}","stage":"train","initial_step":0,"session":"s-{{run}}"}"""));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        using var json = System.Text.Json.JsonDocument.Parse(text);
        return json.RootElement.GetProperty("stream").GetString()!;
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task<HttpResponseMessage> Send(HttpClient http, string path, string body, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Json(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await http.SendAsync(request);
    }

    private static async Task<string> ErrorOf(HttpResponseMessage response)
    {
        using var json = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("error").GetString()!;
    }
}
