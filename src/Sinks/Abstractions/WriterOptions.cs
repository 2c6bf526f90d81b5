using System.ComponentModel.DataAnnotations;

namespace Jaqmc.Sinks;

/// <summary>
/// Settings every writer has, bound from <c>Writers:&lt;Name&gt;</c>. Writer-specific options derive from it.
/// </summary>
public class WriterOptions : IValidatableObject
{
    /// <summary>Whether the writer runs. Default: <c>true</c> (each built-in writer states its own default).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Records this writer's own queue holds before the dispatcher waits for it (and so, when full, the training
    /// loop under <c>Pipeline:FullMode=Wait</c>). Default: 4096.
    /// </summary>
    public int QueueCapacity { get; set; } = 4096;

    /// <summary>The most records handed to one <see cref="IStatsWriter.WriteAsync"/> call. Default: 4096.</summary>
    public int MaxBatchSize { get; set; } = 4096;

    /// <summary>
    /// The longest time written records may wait before the pipeline calls <see cref="IStatsWriter.FlushAsync"/>
    /// while records trickle in. Default: 1 second.
    /// </summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How failed calls are retried. Defaults: see <see cref="WriterRetryOptions"/>.</summary>
    public WriterRetryOptions Retry { get; set; } = new();

    /// <inheritdoc />
    public virtual IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (QueueCapacity <= 0)
        {
            yield return Problem(nameof(QueueCapacity), $"must be greater than 0 (got {QueueCapacity})");
        }

        if (MaxBatchSize <= 0)
        {
            yield return Problem(nameof(MaxBatchSize), $"must be greater than 0 (got {MaxBatchSize})");
        }

        if (FlushInterval <= TimeSpan.Zero)
        {
            yield return Problem(nameof(FlushInterval), $"must be greater than zero (got {FlushInterval})");
        }

        foreach (var result in Retry.Validate())
        {
            yield return result;
        }
    }

    /// <summary>Builds a validation result for one setting.</summary>
    protected static ValidationResult Problem(string member, string message) => new(message, [member]);
}

/// <summary>Retry settings of a writer (<c>Writers:&lt;Name&gt;:Retry</c>).</summary>
public sealed class WriterRetryOptions
{
    /// <summary>
    /// Retries after the first failure of one call before the writer is declared failed; -1 retries transient
    /// errors forever (database writers use it to ride out an outage). Default: 5.
    /// </summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Delay before the first retry; doubles with each retry, with jitter. Default: 200 ms.</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest delay between retries. Default: 30 seconds.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    internal IEnumerable<ValidationResult> Validate()
    {
        if (MaxAttempts < -1)
        {
            yield return new ValidationResult($"must be -1 (forever) or at least 0 (got {MaxAttempts})", ["Retry:MaxAttempts"]);
        }

        if (BaseDelay < TimeSpan.Zero)
        {
            yield return new ValidationResult($"must not be negative (got {BaseDelay})", ["Retry:BaseDelay"]);
        }

        if (MaxDelay < BaseDelay)
        {
            yield return new ValidationResult($"must be at least Retry:BaseDelay (got {MaxDelay})", ["Retry:MaxDelay"]);
        }
    }
}
