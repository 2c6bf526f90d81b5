using Microsoft.AspNetCore.Http;

namespace Jaqmc.Cli.Dashboard;

/// <summary>
/// The page and its scripts, embedded in the program (nothing is fetched from the internet): our index.html,
/// dashboard.js, charts.js and dashboard.css, and plotly.js as shipped in the Plotly.Blazor NuGet package (MIT; see docs/dashboard.md).
/// </summary>
internal static class DashboardAssets
{
    /// <summary>The embedded files by URL path, with their content type.</summary>
    public static IReadOnlyDictionary<string, (string Resource, string ContentType)> Files { get; } = new Dictionary<string, (string, string)>(StringComparer.Ordinal)
    {
        ["/"] = ("Dashboard/index.html", "text/html; charset=utf-8"),
        ["/assets/dashboard.js"] = ("Dashboard/dashboard.js", "text/javascript; charset=utf-8"),
        ["/assets/charts.js"] = ("Dashboard/charts.js", "text/javascript; charset=utf-8"),
        ["/assets/dashboard.css"] = ("Dashboard/dashboard.css", "text/css; charset=utf-8"),
        ["/assets/plotly.min.js"] = ("Dashboard/plotly.min.js", "text/javascript; charset=utf-8"),
    };

    /// <summary>Writes the file at <paramref name="path"/>.</summary>
    public static async Task WriteAsync(HttpContext context, string path)
    {
        var (resource, contentType) = Files[path];
        await using var stream = typeof(DashboardAssets).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"the program lacks its embedded {resource}; rebuild it");
        context.Response.ContentType = contentType;
        context.Response.ContentLength = stream.Length;
        context.Response.Headers.CacheControl = path == "/" ? "no-cache" : "private, max-age=3600";
        context.Response.Headers["X-Content-Type-Options"] = "nosniff";
        if (path == "/")
        {
            // Scripts and styles only from the program itself; no framing by other sites.
            context.Response.Headers.ContentSecurityPolicy = "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; frame-ancestors 'none'";
        }

        await stream.CopyToAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
    }
}
