using Jaqmc.Sinks;

namespace Jaqmc.FaultHost;

/// <summary>Settings of the artificially slow writer (<c>Writers:Slow</c>).</summary>
public sealed class SlowWriterOptions : WriterOptions
{
    /// <summary>Creates the defaults: disabled until a test enables it.</summary>
    public SlowWriterOptions()
    {
        Enabled = false;
    }

    /// <summary>Time spent per record written, so batching cannot hide the slowness. Default 5 ms.</summary>
    public TimeSpan DelayPerRecord { get; set; } = TimeSpan.FromMilliseconds(5);
}
