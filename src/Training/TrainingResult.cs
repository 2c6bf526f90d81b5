namespace Jaqmc.Training;

/// <summary>What <see cref="VmcTrainer"/>.RunAsync achieved.</summary>
/// <param name="Stopped">The run was interrupted by the stopping token; it resumes from its checkpoints.</param>
/// <param name="FailedReason">Why the run failed (for example a NaN energy), or null.</param>
/// <param name="Parameters">The latest variational parameters by name.</param>
/// <param name="EvaluationEnergy">
/// The evaluation stage's mean energy (hartree), when that stage is complete; null when it is off
/// (<see cref="EvaluationOptions.Iterations"/> = 0).
/// </param>
/// <param name="EvaluationStandardError">Its standard error, corrected for autocorrelation by blocking.</param>
/// <param name="LastSteps">The last completed step of each stage that ran or was found complete.</param>
public sealed record TrainingResult(
    bool Stopped,
    string? FailedReason,
    IReadOnlyDictionary<string, double> Parameters,
    double? EvaluationEnergy,
    double? EvaluationStandardError,
    IReadOnlyDictionary<string, long> LastSteps)
{
    /// <summary>True when every stage that is on completed without failure.</summary>
    public bool Succeeded => !Stopped && FailedReason is null;
}
