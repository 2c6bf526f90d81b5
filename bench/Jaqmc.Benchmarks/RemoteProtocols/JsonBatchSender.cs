using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Jaqmc.Remote;
using Jaqmc.Sinks;

namespace Jaqmc.Benchmarks.RemoteProtocols;

/// <summary>
/// <c>jaqmc serve</c>'s shipped protocol without the recorder around it: one HTTP/1.1 POST per batch, encoded by the
/// shipped <see cref="RemoteBatchWriter"/>, answered once durable. The bare loop, so it compares with gRPC's like for like.
/// </summary>
internal sealed class JsonBatchSender(Uri url) : IBatchSender
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = Timeout.InfiniteTimeSpan }) { BaseAddress = url, Timeout = Timeout.InfiniteTimeSpan };
    private string? _stream;

    public int Window => 1;

    public async Task OpenAsync(string run, string stage, long initialStep)
    {
        var body = JsonSerializer.Serialize(new { run, stage, initial_step = initialStep, session = Guid.NewGuid().ToString("N") });
        using var reply = await PostAsync("/v1/streams", Encoding.UTF8.GetBytes(body));
        _stream = reply.RootElement.GetProperty("stream").GetString();
    }

    public async Task<Task<long>> SendAsync(StatsKeys keys, IReadOnlyList<StatsRecord> records, int start, int count)
    {
        using var reply = await PostAsync($"/v1/streams/{_stream}/records", RemoteBatchWriter.Write(keys, records, start, count));
        return Task.FromResult(reply.RootElement.GetProperty("durable_step").GetInt64());
    }

    public async Task CloseAsync()
    {
        using var _ = await PostAsync($"/v1/streams/{_stream}/close", """{"outcome":"completed"}"""u8.ToArray());
    }

    public ValueTask DisposeAsync()
    {
        _http.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<JsonDocument> PostAsync(string path, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await _http.PostAsync(new Uri(path, UriKind.Relative), content);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        return response.IsSuccessStatusCode
            ? JsonDocument.Parse(bytes)
            : throw new InvalidOperationException($"{path}: {(int)response.StatusCode} {Encoding.UTF8.GetString(bytes)}");
    }
}
