using System.Net.Http.Headers;
using System.Text.Json;

namespace Jaqmc.Cli.Serve;

/// <summary>
/// <c>jaqmc runs --server URL</c>: the streams a <c>jaqmc serve</c> has open, as runs (their files are under the
/// server's root, which <c>jaqmc runs ROOT</c> lists on the server's machine).
/// </summary>
internal static class RemoteRunStore
{
    public static async Task<IReadOnlyList<RunSummary>> ListAsync(Uri server, string? token, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(server, "/v1/streams"));
        if (!string.IsNullOrEmpty(token))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            throw new CliException($"--server {server} did not answer: {e.Message}");
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new CliException($"--server {server} answered {(int)response.StatusCode}: {body}");
            }

            using var json = JsonDocument.Parse(body);
            return json.RootElement.GetProperty("streams").EnumerateArray()
                .GroupBy(s => s.GetProperty("run").GetString()!, StringComparer.Ordinal)
                .Select(run => new RunSummary(
                    run.Key,
                    "remote",
                    run.Any(s => s.GetProperty("faulted").GetBoolean()) ? "failed" : "running",
                    run.Max(s => s.GetProperty("opened").GetDateTimeOffset()),
                    run.Select(s => new StageSummary(s.GetProperty("stage").GetString()!, "open", s.GetProperty("durable_step").GetInt64() is var d && d >= 0 ? d : null, null, [])).ToList()))
                .ToArray();
        }
    }
}
