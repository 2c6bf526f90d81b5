using System.ComponentModel.DataAnnotations;

namespace Jaqmc.Training;

/// <summary>Settings of the evaluation stage, bound from the configuration section <c>Evaluation</c>.</summary>
public sealed class EvaluationOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Evaluation";

    /// <summary>
    /// The number of evaluation steps (parameters fixed, energies accumulated). 0 turns the evaluation stage off: a
    /// train-only run, with no <c>evaluation_*</c> files and no evaluation energy. Default 500.
    /// </summary>
    [Range(0, int.MaxValue)]
    public int Iterations { get; set; } = 500;
}
