namespace Jaqmc.Service;

/// <summary>What happens when the training loop hands over a record and the pipeline's queue is full.</summary>
public enum PipelineFullMode
{
    /// <summary>The training loop waits for room: nothing is lost (default).</summary>
    Wait,

    /// <summary>The oldest queued record is dropped; training never waits. Drops are counted, logged per burst and reported at shutdown.</summary>
    DropOldest,

    /// <summary>The newest queued record is dropped; training never waits. Drops are counted, logged per burst and reported at shutdown.</summary>
    DropNewest,

    /// <summary>The training loop gets a <see cref="Jaqmc.Sinks.StatsPipelineException"/>: for users who treat any loss or wait as a bug.</summary>
    Fail,
}
