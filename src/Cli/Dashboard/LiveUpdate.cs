using System.Text.Json;

namespace Jaqmc.Cli.Dashboard;

/// <summary>One event of the live stream: the runs that changed since the last event (all of them in a subscriber's first), those gone, and the sources that cannot be read.</summary>
/// <param name="runs">Runs that are new or changed.</param>
/// <param name="removed">Ids of runs no longer listed.</param>
/// <param name="full">Whether <paramref name="runs"/> is every run a source answered with (a subscriber's first event).</param>
/// <param name="errors">Why each source that failed at the last poll did (the database unreachable, ...); empty when all answered.</param>
internal sealed class LiveUpdate(IReadOnlyList<DashboardRun> runs, IReadOnlyList<string> removed, bool full, IReadOnlyList<SourceError> errors)
{
    // A class, not a record: a copy made with `with` would carry the cached text of the event it was copied from.
    public IReadOnlyList<DashboardRun> Runs { get; } = runs;

    public IReadOnlyList<string> Removed { get; } = removed;

    public bool Full { get; } = full;

    public IReadOnlyList<SourceError> Errors { get; } = errors;

    private string? _eventText;

    /// <summary>The server-sent event, serialized once however many viewers it goes to (a race serializes it twice, alike).</summary>
    public string EventText => _eventText ??= "event: runs\ndata: " + JsonSerializer.Serialize(DashboardJson.Live(this), DashboardJson.Context.LiveJson) + "\n\n";
}
