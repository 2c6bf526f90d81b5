namespace Jaqmc.Cli;

/// <summary>What <c>jaqmc show</c> prints about a stage: its extent and each key's latest value.</summary>
/// <param name="Stage">The stage.</param>
/// <param name="Extent">How much it holds, for the table's title ("1,000 steps", "steps 0–999, 20,000 values").</param>
/// <param name="Latest">Each key's latest value, keys in ordinal order.</param>
internal sealed record StageOverview(string Stage, string Extent, IReadOnlyList<LatestValue> Latest);

/// <summary>A key's latest value and its step.</summary>
internal sealed record LatestValue(string Key, long Step, double Value);
