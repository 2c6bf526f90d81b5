namespace Jaqmc.Cli.Dashboard;

/// <summary>One event of the live stream: the runs that changed since the last event (all of them in a subscriber's first), those gone, or why the runs cannot be listed.</summary>
/// <param name="Runs">Runs that are new or changed.</param>
/// <param name="Removed">Ids of runs no longer listed.</param>
/// <param name="Full">Whether <paramref name="Runs"/> is every run (a subscriber's first event).</param>
/// <param name="Error">Why the last poll failed (the database unreachable, ...), or null.</param>
internal sealed record LiveUpdate(IReadOnlyList<DashboardRun> Runs, IReadOnlyList<string> Removed, bool Full, string? Error);
