using System.Net;
using System.Net.Sockets;

namespace Jaqmc.Tests.EndToEnd;

/// <summary>
/// Loopback ports for the servers the tests start (serve, dashboard, PostgreSQL containers). A port taken from the
/// kernel with bind(0) and released is free only for a moment: a server of another test asking the same way can get
/// it too, and one test then talks to another's server. So every port handed out here is unique in this test run and
/// lies below Linux's ephemeral range (32768–60999), where bind(0) and outgoing connections never land.
/// </summary>
internal static class LoopbackPorts
{
    private const int First = 20000;
    private const int Count = 10000;

    // The test run's one counter: each call takes the next port; a random start keeps two test runs apart.
    private static int _next = Random.Shared.Next(Count);

    /// <summary>A loopback port no other server of this test run is given, and free right now.</summary>
    public static int Next()
    {
        for (var attempt = 0; attempt < Count; attempt++)
        {
            var port = First + (int)((uint)Interlocked.Increment(ref _next) % Count);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // In use by something outside this test run: take the next one.
            }
        }

        throw new InvalidOperationException($"no free loopback port between {First} and {First + Count - 1}");
    }
}
