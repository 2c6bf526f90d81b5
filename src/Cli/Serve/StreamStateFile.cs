using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using Jaqmc.Sinks;

namespace Jaqmc.Cli.Serve;

/// <summary>
/// <c>{stage}_stream.json</c> beside a server-written stage's statistics: what <c>jaqmc serve</c> last knew of the
/// stream (<c>running</c> while open, then how it was closed). A run written by a server has no checkpoints, so
/// <c>jaqmc runs ROOT</c> reads its status from here instead of deriving it from checkpoints.
/// </summary>
internal static class StreamStateFile
{
    public const string Suffix = "_stream.json";


    private static readonly DateTimeOffset ThisProcessStarted = StartOf(Environment.ProcessId) ?? DateTimeOffset.UtcNow;

    public static string PathIn(string directory, string stage) => Path.Combine(directory, stage + Suffix);

    /// <summary>Marks the stream open by this server process.</summary>
    public static Task WriteRunningAsync(string directory, string stage, long initialStep, CancellationToken cancellationToken) =>
        WriteAsync(directory, stage, new StreamState("running", initialStep, null, Environment.MachineName, Environment.ProcessId, ThisProcessStarted, DateTimeOffset.UtcNow), cancellationToken);

    /// <summary>Marks the stream closed with <paramref name="outcome"/>, durable up to <paramref name="durableStep"/>.</summary>
    public static Task WriteClosedAsync(string directory, string stage, long initialStep, StageOutcome outcome, long durableStep, CancellationToken cancellationToken) =>
        WriteAsync(directory, stage, new StreamState(outcome.ToString().ToLowerInvariant(), initialStep, durableStep, Environment.MachineName, Environment.ProcessId, ThisProcessStarted, DateTimeOffset.UtcNow), cancellationToken);

    /// <summary>
    /// The stream's status: <c>running</c>, <c>completed</c>, <c>interrupted</c> or <c>failed</c>; a <c>running</c>
    /// stream whose server process on this machine no longer exists (it was killed; a process that reuses its id
    /// started at another time) is <c>interrupted</c>. Null when the file is unreadable.
    /// </summary>
    public static string? TryReadStatus(string path)
    {
        StreamState? state;
        try
        {
            state = JsonSerializer.Deserialize(File.ReadAllBytes(path), ServeJsonContext.Indented.StreamState);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }

        if (state?.Status is not { Length: > 0 } status)
        {
            return null;
        }

        if (status != "running" || state.Host != Environment.MachineName)
        {
            return status;
        }

        var serverAlive = StartOf(state.ServerPid) is { } started && (started - state.ServerStarted).Duration() < TimeSpan.FromSeconds(2);
        return serverAlive ? status : "interrupted";
    }

    private static async Task WriteAsync(string directory, string stage, StreamState state, CancellationToken cancellationToken)
    {
        // Written beside and renamed over, so a reader never sees half a file.
        var path = PathIn(directory, stage);
        var temporary = path + ".tmp";
        await File.WriteAllBytesAsync(temporary, JsonSerializer.SerializeToUtf8Bytes(state, ServeJsonContext.Indented.StreamState), cancellationToken).ConfigureAwait(false);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>When process <paramref name="pid"/> started, or null when there is none.</summary>
    private static DateTimeOffset? StartOf(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.HasExited ? null : new DateTimeOffset(process.StartTime.ToUniversalTime(), TimeSpan.Zero);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            return null;
        }
    }

    internal sealed record StreamState(
        string? Status,
        long InitialStep,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? DurableStep,
        string? Host,
        int ServerPid,
        DateTimeOffset ServerStarted,
        DateTimeOffset Updated);
}
