using Jaqmc.Sinks;

namespace Jaqmc.Service.Pipeline;

/// <summary>A record in the pipeline's queue with its sequence number (what flush barriers wait for).</summary>
internal readonly record struct QueuedRecord(long Seq, StatsRecord Record);
