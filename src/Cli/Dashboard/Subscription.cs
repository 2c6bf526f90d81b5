using System.Threading.Channels;

namespace Jaqmc.Cli.Dashboard;

/// <summary>A viewer's place in the live stream (<see cref="LiveRunWatcher.Subscribe"/>): its events, and dispose to leave.</summary>
internal sealed class Subscription(ChannelReader<LiveUpdate> updates, Action leave) : IDisposable
{
    /// <summary>The viewer's events.</summary>
    public ChannelReader<LiveUpdate> Updates { get; } = updates;

    public void Dispose() => leave();
}
