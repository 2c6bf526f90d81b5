using System.Text.Json;

namespace Jaqmc.Cli.Dashboard;

/// <summary>One event of the live stream: the runs that changed since the last event (all of them in a subscriber's first), those gone, and the sources that cannot be read.</summary>
/// <param name="Runs">Runs that are new or changed.</param>
/// <param name="Removed">Ids of runs no longer listed.</param>
/// <param name="Full">Whether <paramref name="Runs"/> is every run a source answered with (a subscriber's first event).</param>
/// <param name="Errors">Why each source that failed at the last poll did (the database unreachable, ...); empty when all answered.</param>
internal sealed record LiveUpdate(IReadOnlyList<DashboardRun> Runs, IReadOnlyList<string> Removed, bool Full, IReadOnlyList<SourceError> Errors)
{
    private string? _eventText;

    /// <summary>The server-sent event, serialized once however many viewers it goes to (a race serializes it twice, alike).</summary>
    public string EventText => _eventText ??= "event: runs\ndata: " + JsonSerializer.Serialize(DashboardJson.Live(this), DashboardJson.Context.LiveJson) + "\n\n";
}
