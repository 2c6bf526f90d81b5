using System.Text.Json;
using Jaqmc.Cli.Hosting;
using Jaqmc.Cli.Serve;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Jaqmc.Cli.Dashboard;

/// <summary>
/// The page and the JSON API behind it (docs/dashboard.md): <c>/api/runs</c>, <c>/api/run</c>, <c>/api/curve</c> and
/// the server-sent events of <c>/api/live</c>. Only GET: the dashboard reads. With a token, every request but
/// <c>/healthz</c> carries it (header, <c>?token=</c>, or the cookie a page gets from <c>?token=</c>); a refused
/// request gets a 4xx with <c>{"error": "..."}</c> naming the parameter and the value.
/// </summary>
internal static class DashboardEndpoints
{
    public const string TokenCookie = "jaqmc_dashboard";

    private static readonly string[] Statuses = ["running", "completed", "interrupted", "failed"];

    public static void Map(WebApplication app)
    {
        app.Use(GuardAsync);
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapGet("/favicon.ico", () => Results.NoContent());
        foreach (var path in DashboardAssets.Files.Keys)
        {
            app.MapGet(path, context => DashboardAssets.WriteAsync(context, path));
        }

        app.MapGet("/api/runs", RunsAsync);
        app.MapGet("/api/run", RunAsync);
        app.MapGet("/api/curve", CurveAsync);
        app.MapGet("/api/live", LiveAsync);
    }

    private static async Task GuardAsync(HttpContext context, RequestDelegate next)
    {
        var token = context.RequestServices.GetRequiredService<IOptions<DashboardOptions>>().Value.Token;
        if (token.Length > 0 && context.Request.Path != "/healthz" && !Authorised(context, token))
        {
            await RejectAsync(context, new BadRequestException("a token is required: open the address the dashboard printed (…/?token=…) or send 'Authorization: Bearer <token>'", 401)).ConfigureAwait(false);
            return;
        }

        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            await RejectAsync(context, new BadRequestException($"the dashboard only reads: method must be GET (got {context.Request.Method})", 405)).ConfigureAwait(false);
            return;
        }

        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (BadRequestException e)
        {
            await RejectAsync(context, e).ConfigureAwait(false);
        }
        catch (CliException e)
        {
            // The database unreachable, a schema too old: the source's own message, never the connection string.
            await RejectAsync(context, new BadRequestException(e.Message, 503)).ConfigureAwait(false);
        }
    }

    // A page opened with ?token= gets it as an HttpOnly cookie, so its scripts and the event stream need not carry it.
    private static bool Authorised(HttpContext context, string token)
    {
        var request = context.Request;
        if (BearerToken.FixedTimeEquals(request.Headers.Authorization.ToString(), BearerToken.Header(token))
            || (request.Cookies.TryGetValue(TokenCookie, out var cookie) && BearerToken.FixedTimeEquals(cookie, token)))
        {
            return true;
        }

        if (request.Query.TryGetValue("token", out var given) && BearerToken.FixedTimeEquals(given.ToString(), token))
        {
            context.Response.Cookies.Append(TokenCookie, token, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Path = "/", IsEssential = true, Secure = request.IsHttps });
            return true;
        }

        return false;
    }

    private static async Task<IResult> RunsAsync(HttpRequest request, RunCatalogue catalogue, CancellationToken cancellationToken)
    {
        var name = request.Query["name"].ToString();
        var status = request.Query["status"].ToString();
        if (status.Length > 0 && !Statuses.Contains(status, StringComparer.Ordinal))
        {
            throw new BadRequestException($"status must be one of {string.Join(", ", Statuses)} (got '{status}')");
        }

        var listing = await catalogue.ListAsync(cancellationToken).ConfigureAwait(false);
        if (listing.Runs.Count == 0 && listing.Errors.Count > 0 && listing.Errors.Count == catalogue.Count)
        {
            // No source answered: nothing to show but why.
            throw new BadRequestException(string.Join("; ", listing.Errors.Select(e => e.Error)), 503);
        }

        var runs = listing.Runs
            .Where(r => name.Length == 0 || r.Name.Contains(name, StringComparison.OrdinalIgnoreCase))
            .Where(r => status.Length == 0 || r.Status == status);
        return Results.Json(DashboardJson.Runs(runs, listing.Errors), DashboardJson.Context.RunListJson);
    }

    private static async Task<IResult> RunAsync(HttpRequest request, RunCatalogue catalogue, CancellationToken cancellationToken)
    {
        var id = request.Query["id"].ToString();
        if (id.Length == 0)
        {
            throw new BadRequestException("id must name a run id from /api/runs, such as pg:NAME or dir:PATH (got none)");
        }

        var (source, name) = catalogue.Resolve(id);
        return await source.DetailAsync(name, cancellationToken).ConfigureAwait(false) is { } detail
            ? Results.Json(DashboardJson.Detail(detail), DashboardJson.Context.DetailJson)
            : throw new BadRequestException($"id names no run (got '{id}')", 404);
    }

    private static async Task<IResult> CurveAsync(HttpRequest request, RunCatalogue catalogue, IOptions<DashboardOptions> options, LiveRunWatcher watcher, CurveResponseCache cache, CancellationToken cancellationToken)
    {
        var query = CurveQuery.Parse(request, options.Value);
        var (source, name) = catalogue.Resolve(query.Run);
        var fingerprint = watcher.Fingerprint(query.Run);
        if (cache.Find(query, fingerprint) is { } cached)
        {
            return Results.Bytes(cached, "application/json; charset=utf-8");
        }

        if (await source.CurveAsync(name, query, cancellationToken).ConfigureAwait(false) is { } curve)
        {
            var json = JsonSerializer.SerializeToUtf8Bytes(DashboardJson.Curve(query, curve), DashboardJson.Context.CurveJson);
            cache.Keep(query, fingerprint, json);
            return Results.Bytes(json, "application/json; charset=utf-8");
        }

        throw new BadRequestException($"run '{query.Run}' has no '{query.Key}' values in stage '{query.Stage}'" + (query.From is null && query.To is null ? "" : " in that step range"), 404);
    }

    // Server-sent events: "runs" events as runs change (the first lists every run), a comment every 15 s to keep
    // proxies and the browser from closing an idle stream.
    private static async Task LiveAsync(HttpContext context, LiveRunWatcher watcher)
    {
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        using var subscription = watcher.Subscribe();
        var cancellationToken = context.RequestAborted;
        await response.WriteAsync("retry: 1000\n\n", cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (true)
            {
                using var heartbeat = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                heartbeat.CancelAfter(TimeSpan.FromSeconds(15));
                string text;
                try
                {
                    var update = await subscription.Updates.ReadAsync(heartbeat.Token).ConfigureAwait(false);
                    text = update.EventText;
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    text = ": keep-alive\n\n";
                }

                await response.WriteAsync(text, cancellationToken).ConfigureAwait(false);
                await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The viewer left.
        }
    }

    private static async Task RejectAsync(HttpContext context, BadRequestException e)
    {
        DashboardLog.Rejected(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DashboardEndpoints).FullName!), context.Request.Method, context.Request.Path, e.StatusCode, e.Message);
        if (!context.Response.HasStarted)
        {
            context.Response.StatusCode = e.StatusCode;
            await context.Response.WriteAsJsonAsync(new DashboardJsonShapes.RefusalJson(e.Message), DashboardJson.Context.RefusalJson).ConfigureAwait(false);
        }
    }
}
