namespace Jaqmc.Cli;

/// <summary>What <c>jaqmc runs</c> lists about a run.</summary>
/// <param name="Name">The run: a directory (relative to the listed one) or PostgreSQL's run name.</param>
/// <param name="Source"><c>local</c> or <c>postgres</c>.</param>
/// <param name="Status"><c>completed</c>, <c>interrupted</c>, <c>running</c>, <c>failed</c>, ...</param>
/// <param name="Updated">When the run last changed.</param>
/// <param name="Stages">Its stages, in the order they ran.</param>
internal sealed record RunSummary(string Name, string Source, string Status, DateTimeOffset Updated, List<StageSummary> Stages)
{
    /// <summary>The latest energy: that of the last stage that has one.</summary>
    public double? LastEnergy => Stages.LastOrDefault(s => s.LastEnergy is not null)?.LastEnergy;
}
