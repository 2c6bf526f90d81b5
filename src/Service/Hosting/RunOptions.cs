using System.ComponentModel.DataAnnotations;

namespace Jaqmc.Service;

/// <summary>The run's identity and place (<c>Run</c>).</summary>
public sealed class RunOptions : IValidatableObject
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Run";

    /// <summary>
    /// Where checkpoints and stats files go; created when missing. Relative paths resolve against the current
    /// directory. Default: <c>runs/default</c>.
    /// </summary>
    public string WorkingDirectory { get; set; } = "runs/default";

    /// <summary>The run's name in databases; empty means the working directory's full path. Default: empty.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>The working directory as a full path.</summary>
    public string FullWorkingDirectory => Path.GetFullPath(WorkingDirectory);

    /// <summary>The effective run name.</summary>
    public string EffectiveName => string.IsNullOrWhiteSpace(Name) ? FullWorkingDirectory : Name;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(WorkingDirectory))
        {
            yield return new ValidationResult($"must not be empty (got '{WorkingDirectory}')", [nameof(WorkingDirectory)]);
            yield break;
        }

        var problem = ProbeWritable(FullWorkingDirectory);
        if (problem is not null)
        {
            yield return new ValidationResult(problem, [nameof(WorkingDirectory)]);
        }
    }

    private static string? ProbeWritable(string directory)
    {
        try
        {
            Directory.CreateDirectory(directory);
            var probe = Path.Combine(directory, $".write-probe-{Environment.ProcessId}");
            File.WriteAllText(probe, string.Empty);
            File.Delete(probe);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return $"must be a writable directory (got '{directory}': {e.Message.ReplaceLineEndings(" ").TrimEnd('.')})";
        }
    }
}
