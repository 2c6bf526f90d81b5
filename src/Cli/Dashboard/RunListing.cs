namespace Jaqmc.Cli.Dashboard;

/// <summary>The runs list: the runs of every source that answered, and why the others did not.</summary>
/// <param name="Runs">Every run listed, the most recently updated first.</param>
/// <param name="Errors">One per source that could not be read.</param>
internal sealed record RunListing(IReadOnlyList<DashboardRun> Runs, IReadOnlyList<SourceError> Errors);
