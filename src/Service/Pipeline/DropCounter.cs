using Microsoft.Extensions.Logging;

namespace Jaqmc.Service.Pipeline;

/// <summary>
/// Counts records dropped by a full queue under a drop <see cref="PipelineFullMode"/>, in the counter metric and in
/// bursts: one warning when a burst starts, one with its size when it ends.
/// </summary>
internal sealed class DropCounter(PipelineOptions options, PipelineMetrics metrics, TimeProvider time, ILogger logger)
{
    // Written by the producer (inside the channel's drop callback), read by the dispatcher and at stop.
    private long _dropped;
    private long _burstDropped;
    private long _lastDrop;

    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>The channel's drop callback.</summary>
    public void OnDropped(long step)
    {
        Volatile.Write(ref _lastDrop, time.GetTimestamp());
        Interlocked.Increment(ref _dropped);
        metrics.Dropped.Add(1);
        if (Interlocked.Increment(ref _burstDropped) == 1)
        {
            PipelineLog.DropsStarted(logger, options.Capacity, options.FullMode, step);
        }
    }

    /// <summary>A burst ends when the queue has drained and no record was dropped for a second (or at stop).</summary>
    public void EndBurst(bool force = false)
    {
        if (Interlocked.Read(ref _burstDropped) == 0
            || (!force && time.GetElapsedTime(Volatile.Read(ref _lastDrop)) < TimeSpan.FromSeconds(1)))
        {
            return;
        }

        var burst = Interlocked.Exchange(ref _burstDropped, 0);
        if (burst > 0)
        {
            PipelineLog.DropBurstEnded(logger, burst, Dropped);
        }
    }
}
