using Jaqmc.Sinks;

namespace Jaqmc.Training;

/// <summary>How a stage ended, with the state it ended in.</summary>
internal readonly record struct StageResult(StageOutcome Outcome, VmcState State, string? FailedReason);
