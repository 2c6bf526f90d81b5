using System.Globalization;
using System.Text.Json;

namespace Jaqmc.Benchmarks.Dashboard;

/// <summary>
/// A simulated viewer's curve of the run, kept as the page keeps it: the whole curve first, then on each event only
/// the tail since its last bucket (<c>since</c>, <c>width</c>), the whole curve again once it holds twice the buckets
/// it started with.
/// </summary>
internal sealed class HeldCurve
{
    private long _width;
    private long _lastBucket = -1;
    private int _buckets;
    private int _bucketsAtStart;

    /// <summary>Fetches what the page would after an event: the whole curve, or its tail.</summary>
    public async Task UpdateAsync(HttpClient http, bool wholeCurve, CancellationToken cancellationToken)
    {
        var tail = !wholeCurve && _lastBucket >= 0 && _buckets <= 2 * Math.Max(_bucketsAtStart, 100);
        var path = tail
            ? string.Create(CultureInfo.InvariantCulture, $"/api/curve?run=dir:run&since={_lastBucket}&width={_width}")
            : "/api/curve?run=dir:run";
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative), cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            return;
        }

        using var json = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        var steps = json.RootElement.GetProperty("step");
        var count = steps.GetArrayLength();
        if (tail)
        {
            var since = json.RootElement.GetProperty("since").GetInt64();
            _buckets = _buckets - (_lastBucket >= since ? 1 : 0) + count;
        }
        else
        {
            (_width, _buckets, _bucketsAtStart) = (json.RootElement.GetProperty("stepsPerBucket").GetInt64(), count, count);
        }

        if (count > 0)
        {
            _lastBucket = steps[count - 1].GetInt64();
        }
    }
}
