namespace Jaqmc.Cli.Serve;

/// <summary>The JSON bodies <c>jaqmc serve</c> answers with (snake_case through <see cref="ServeJsonContext"/>).</summary>
internal static class ServeJsonShapes
{
    /// <summary><c>GET /v1/streams</c>: the root directory and every open stream.</summary>
    public sealed record StreamListJson(string Root, IReadOnlyList<StreamJson> Streams);

    /// <summary>One open stream of <see cref="StreamListJson"/>.</summary>
    public sealed record StreamJson(
        string Id, string Run, string Stage, long InitialStep, long DurableStep, long Records, long Batches, long Skipped, bool Faulted, DateTimeOffset Opened);

    /// <summary><c>POST /v1/streams</c>: the new stream and the last step already durable for it.</summary>
    public sealed record OpenedJson(string Stream, long DurableStep);

    /// <summary>Appending to or closing a stream: the last step durable now.</summary>
    public sealed record DurableJson(long DurableStep);

    /// <summary>A refused request.</summary>
    public sealed record ErrorJson(string Error);
}
