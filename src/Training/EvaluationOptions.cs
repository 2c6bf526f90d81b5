using System.ComponentModel.DataAnnotations;

namespace Jaqmc.Training;

/// <summary>Settings of the evaluation stage, bound from the configuration section <c>Evaluation</c>.</summary>
public sealed class EvaluationOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Evaluation";

    /// <summary>The number of evaluation steps (parameters fixed, energies accumulated). Default 500.</summary>
    [Range(1, int.MaxValue)]
    public int Iterations { get; set; } = 500;
}
