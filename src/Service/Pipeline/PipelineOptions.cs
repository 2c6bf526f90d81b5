using System.ComponentModel.DataAnnotations;

namespace Jaqmc.Service;

/// <summary>Settings of the queue between the training loop and the writers (<c>Pipeline</c>).</summary>
public sealed class PipelineOptions : IValidatableObject
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Pipeline";

    /// <summary>Records the queue between the training loop and the dispatcher holds. Default: 4096.</summary>
    public int Capacity { get; set; } = 4096;

    /// <summary>What a full queue does to the training loop. Default: <see cref="PipelineFullMode.Wait"/>.</summary>
    public PipelineFullMode FullMode { get; set; } = PipelineFullMode.Wait;

    /// <summary>
    /// How long a record may wait in the queue before the dispatcher moves it on to the writers. Records travel in
    /// batches so that the training loop never pays for waking the writers on an ordinary step; a queue a quarter
    /// full, a flush barrier (before every checkpoint), the end of a stage and shutdown move records at once.
    /// Default: 50 milliseconds.
    /// </summary>
    public TimeSpan DispatchInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// How long a shutdown (Ctrl+C, SIGTERM) may take to drain and close every writer; also the host's shutdown
    /// timeout. Records still queued when it expires are reported as lost. Default: 30 seconds.
    /// </summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The Linux nice value (0–19) of the dispatcher's and the writers' threads: above 0 they yield the cores to the
    /// training's threads and take the CPU those leave idle (between parallel sweeps, while a step waits), so a
    /// writer's work and its first compilations slow the loop less. Backpressure still bounds how far writers fall
    /// behind, and a flush barrier lets them run while the loop waits. 0 keeps the process's priority; no effect
    /// outside Linux. Default: 10.
    /// </summary>
    public int WriterThreadNice { get; set; } = 10;

    /// <summary>
    /// Whether each writer's thread runs under Linux's <c>SCHED_IDLE</c> policy while its writer keeps up: it then
    /// takes only CPU time no other thread wants, so recording does not slow a training loop that keeps every core
    /// busy. A writer that falls behind (its queue a quarter full, or records waiting longer than half its
    /// <see cref="Jaqmc.Sinks.WriterOptions.FlushInterval"/>), a flush and the end of a stage put its thread back
    /// under normal scheduling at <see cref="WriterThreadNice"/> until its queue is empty. Used only where the process
    /// may leave <c>SCHED_IDLE</c> again (root, <c>CAP_SYS_NICE</c>, or an <c>RLIMIT_NICE</c> of at least
    /// 20 − <see cref="WriterThreadNice"/>); otherwise, and outside Linux, the threads just run at
    /// <see cref="WriterThreadNice"/>. Default: <c>true</c>.
    /// </summary>
    public bool IdleWriterThreads { get; set; } = true;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Capacity <= 0)
        {
            yield return new ValidationResult($"must be greater than 0 (got {Capacity})", [nameof(Capacity)]);
        }

        if (!Enum.IsDefined(FullMode))
        {
            yield return new ValidationResult($"must be one of {string.Join(", ", Enum.GetNames<PipelineFullMode>())} (got {FullMode})", [nameof(FullMode)]);
        }

        if (DispatchInterval <= TimeSpan.Zero || DispatchInterval > TimeSpan.FromSeconds(10))
        {
            yield return new ValidationResult($"must be greater than zero and at most 10 seconds (got {DispatchInterval})", [nameof(DispatchInterval)]);
        }

        if (WriterThreadNice is < 0 or > 19)
        {
            yield return new ValidationResult($"must be between 0 and 19 (got {WriterThreadNice})", [nameof(WriterThreadNice)]);
        }

        if (ShutdownTimeout <= TimeSpan.Zero)
        {
            yield return new ValidationResult($"must be greater than zero (got {ShutdownTimeout})", [nameof(ShutdownTimeout)]);
        }
    }
}
