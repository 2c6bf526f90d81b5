using System.Globalization;
using Jaqmc.Cli.Serve;
using Microsoft.AspNetCore.Http;

namespace Jaqmc.Cli.Dashboard;

/// <summary>The query of <c>GET /api/curve</c>, checked: a bad value is a 400 naming the parameter, the rule and the value.</summary>
/// <param name="Run">The run's id (<c>pg:NAME</c>, <c>dir:PATH</c>).</param>
/// <param name="Stage">The stage (default <c>train</c>).</param>
/// <param name="Key">The key (default <c>total_energy</c>).</param>
/// <param name="From">The first step (default: the stage's first).</param>
/// <param name="To">The last step (default: the stage's last).</param>
/// <param name="Points">The most buckets wanted (default <see cref="DashboardOptions.Points"/>).</param>
/// <param name="Since">For a live tail: the step from whose bucket on the buckets are wanted (with <paramref name="Width"/>).</param>
/// <param name="Width">For a live tail: the bucket width of the curve the viewer holds.</param>
internal sealed record CurveQuery(string Run, string Stage, string Key, long? From, long? To, int Points, long? Since = null, long? Width = null)
{
    private const long MaxWidth = 1_000_000_000_000;

    /// <summary>Reads and checks the query of <paramref name="request"/>.</summary>
    /// <exception cref="BadRequestException">A parameter is missing or out of range.</exception>
    public static CurveQuery Parse(HttpRequest request, DashboardOptions options)
    {
        var query = request.Query;
        var run = query["run"].ToString();
        if (run.Length == 0)
        {
            throw new BadRequestException("run must name a run id from /api/runs, such as pg:NAME or dir:PATH (got none)");
        }

        var stage = Text(query["stage"].ToString(), "stage", "train");
        var key = Text(query["key"].ToString(), "key", "total_energy");
        var from = Step(query["from"].ToString(), "from");
        var to = Step(query["to"].ToString(), "to");
        if (from is { } f && to is { } t && t < f)
        {
            throw new BadRequestException(FormattableString.Invariant($"to must be at least from (got from={f}, to={t})"));
        }

        var points = options.Points;
        var text = query["points"].ToString();
        if (text.Length > 0 && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out points) || points < 1 || points > options.MaxPoints))
        {
            throw new BadRequestException(FormattableString.Invariant($"points must be a whole number from 1 to Dashboard:MaxPoints={options.MaxPoints} (got '{text}')"));
        }

        var since = Step(query["since"].ToString(), "since");
        var width = Step(query["width"].ToString(), "width");
        if (since is null != width is null || width is 0 or > MaxWidth)
        {
            throw new BadRequestException($"since and width go together, width a whole number from 1 to 10^12: the stepsPerBucket of the curve held (got since='{query["since"]}', width='{query["width"]}')");
        }

        if (since is not null && (from is not null || to is not null || text.Length > 0))
        {
            throw new BadRequestException("since asks for a live tail: it takes no from, to or points (got " + string.Join(", ", new[] { "from", "to", "points" }.Where(p => query[p].ToString().Length > 0)) + ")");
        }

        return new CurveQuery(run, stage, key, from, to, since is null ? points : options.MaxPoints, since, width);
    }

    private static string Text(string value, string name, string fallback) =>
        value.Length == 0 ? fallback
        : value.Length > 256 ? throw new BadRequestException($"{name} must be at most 256 characters (got {value.Length})")
        : value;

    private static long? Step(string value, string name) =>
        value.Length == 0 ? null
        : long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var step) ? step
        : throw new BadRequestException($"{name} must be a whole number of steps ≥ 0 (got '{value}')");
}
