namespace Jaqmc.Tests.Sinks;

/// <summary>One row as a writer's storage holds it: the step and the values present (absent keys are missing).</summary>
public sealed record WrittenRow(long Step, IReadOnlyDictionary<string, double> Values);
