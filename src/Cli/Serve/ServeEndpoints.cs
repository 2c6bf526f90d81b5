using System.Buffers;
using System.Text.Json;
using Jaqmc.Sinks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Jaqmc.Cli.Serve;

/// <summary>
/// The protocol (docs/remote.md): open a stream, append batches (each acknowledged with the durable step once every
/// writer flushed it), close it, list the open streams. Every request carries <c>Authorization: Bearer TOKEN</c>
/// when the server has a token; a refused request gets a 4xx/5xx with <c>{"error": "..."}</c> naming the field, and
/// nothing of it is written.
/// </summary>
internal static class ServeEndpoints
{
    public const string Prefix = "/v1/streams";

    // Messages quote values ('x', <token>): keep them readable in the JSON a user sees.

    public static void Map(WebApplication app)
    {
        app.Use(CheckTokenAsync);
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapGet(Prefix, List);
        app.MapPost(Prefix, OpenAsync);
        app.MapPost(Prefix + "/{id}/records", AppendAsync);
        app.MapPost(Prefix + "/{id}/close", CloseAsync);
    }

    private static async Task CheckTokenAsync(HttpContext context, RequestDelegate next)
    {
        var token = context.RequestServices.GetRequiredService<IOptions<ServeOptions>>().Value.Token;
        if (token.Length > 0 && context.Request.Path != "/healthz")
        {
            var given = context.Request.Headers.Authorization.ToString();
            if (!Hosting.BearerToken.FixedTimeEquals(given, Hosting.BearerToken.Header(token)))
            {
                await RejectAsync(context, new BadRequestException("Authorization header must be 'Bearer <the server's token>' (got " + (given.Length == 0 ? "none" : "another value") + ")", 401)).ConfigureAwait(false);
                return;
            }
        }

        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (BadRequestException e)
        {
            await RejectAsync(context, e).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e)
        {
            var limit = context.RequestServices.GetRequiredService<IOptions<ServeOptions>>().Value.MaxRequestBytes;
            await RejectAsync(context, new BadRequestException(
                e.StatusCode == StatusCodes.Status413PayloadTooLarge ? $"body must be at most Serve:MaxRequestBytes={limit} bytes" : e.Message,
                e.StatusCode)).ConfigureAwait(false);
        }
    }

    private static IResult List(RemoteStreams streams) => Results.Json(
        new ServeJsonShapes.StreamListJson(
            streams.FullRoot,
            [.. streams.Snapshot().Select(s => new ServeJsonShapes.StreamJson(
                s.Id, s.Run, s.Stage, s.InitialStep, s.DurableStep, s.Records, s.Batches, s.Skipped, s.IsFaulted, s.Opened))]),
        ServeJsonContext.Default.StreamListJson);

    private static async Task<IResult> OpenAsync(HttpContext context, RemoteStreams streams)
    {
        using var body = await ReadJsonAsync(context).ConfigureAwait(false);
        var root = body.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new BadRequestException("body must be an object {\"run\", \"stage\", \"initial_step\", \"session\"}");
        }

        var run = RequiredName(root, "run");
        var stage = RequiredName(root, "stage");
        var initialStep = 0L;
        if (root.TryGetProperty("initial_step", out var step) && (step.ValueKind != JsonValueKind.Number || !step.TryGetInt64(out initialStep) || initialStep < 0))
        {
            throw new BadRequestException($"initial_step must be a whole number ≥ 0 (got {step.GetRawText()})");
        }

        var session = root.TryGetProperty("session", out var s) && s.ValueKind == JsonValueKind.String && s.GetString() is { Length: > 0 and <= 128 } value
            ? value
            : throw new BadRequestException("session must be a string of 1 to 128 characters that the client keeps while it reconnects");
        var stream = await streams.OpenAsync(run, stage, initialStep, session, context.RequestAborted).ConfigureAwait(false);
        return Results.Json(new ServeJsonShapes.OpenedJson(stream.Id, stream.DurableStep), ServeJsonContext.Default.OpenedJson);
    }

    private static async Task<IResult> AppendAsync(string id, HttpContext context, RemoteStreams streams, IOptions<ServeOptions> options)
    {
        var stream = streams.Get(id);
        var (buffer, length) = await ReadBodyAsync(context).ConfigureAwait(false);
        try
        {
            var batch = RecordBatchReader.Read(buffer.AsSpan(0, length), options.Value);
            var durable = await stream.AppendAsync(batch).ConfigureAwait(false);
            return Results.Json(new ServeJsonShapes.DurableJson(durable), ServeJsonContext.Default.DurableJson);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task<IResult> CloseAsync(string id, HttpContext context, RemoteStreams streams)
    {
        var stream = streams.Get(id);
        using var body = await ReadJsonAsync(context).ConfigureAwait(false);
        var outcome = body.RootElement.ValueKind == JsonValueKind.Object && body.RootElement.TryGetProperty("outcome", out var o) ? o.GetString() : "completed";
        var parsed = outcome switch
        {
            "completed" => StageOutcome.Completed,
            "interrupted" => StageOutcome.Interrupted,
            "failed" => StageOutcome.Failed,
            _ => throw new BadRequestException($"outcome must be completed, interrupted or failed (got '{outcome}')"),
        };
        var durable = await streams.CloseAsync(stream, parsed).ConfigureAwait(false);
        return Results.Json(new ServeJsonShapes.DurableJson(durable), ServeJsonContext.Default.DurableJson);
    }

    private static string RequiredName(JsonElement root, string field)
    {
        var value = root.TryGetProperty(field, out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
        return RemoteNames.Problem(value) is { } problem ? throw new BadRequestException($"{field} {problem}") : value!;
    }

    private static async Task<JsonDocument> ReadJsonAsync(HttpContext context)
    {
        var (buffer, length) = await ReadBodyAsync(context).ConfigureAwait(false);
        try
        {
            return length == 0 ? JsonDocument.Parse("{}") : JsonDocument.Parse(buffer.AsMemory(0, length));
        }
        catch (JsonException e)
        {
            throw new BadRequestException($"body must be JSON ({e.Message.TrimEnd('.')})");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task<(byte[] Buffer, int Length)> ReadBodyAsync(HttpContext context)
    {
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Clamp(context.Request.ContentLength ?? 4096, 256, 64 * 1024 * 1024));
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await context.Request.Body.ReadAsync(buffer.AsMemory(length), context.RequestAborted).ConfigureAwait(false);
                if (read == 0)
                {
                    return (buffer, length);
                }

                length += read;
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    private static async Task RejectAsync(HttpContext context, BadRequestException e)
    {
        var streams = context.RequestServices.GetRequiredService<RemoteStreams>();
        streams.Metrics.Rejected(e.StatusCode);
        ServeLog.Rejected(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ServeEndpoints).FullName!), context.Request.Method, context.Request.Path, e.StatusCode, e.Message);
        if (!context.Response.HasStarted)
        {
            context.Response.StatusCode = e.StatusCode;
            await context.Response.WriteAsJsonAsync(new ServeJsonShapes.ErrorJson(e.Message), ServeJsonContext.Relaxed.ErrorJson).ConfigureAwait(false);
        }
    }
}
