using System.ComponentModel.DataAnnotations;

namespace Jaqmc.Service;

/// <summary>This process's place in a distributed run (<c>Distributed</c>).</summary>
public sealed class DistributedOptions : IValidatableObject
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Distributed";

    /// <summary>
    /// This process's index; only index 0 (the master) opens writers and writes. Set it per process, for example
    /// with <c>JAQMC_Distributed__ProcessIndex</c>. Default: 0.
    /// </summary>
    public int ProcessIndex { get; set; }

    /// <summary>Whether this process writes statistics.</summary>
    public bool IsMaster => ProcessIndex == 0;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ProcessIndex < 0)
        {
            yield return new ValidationResult($"must be 0 or more (got {ProcessIndex})", [nameof(ProcessIndex)]);
        }
    }
}
