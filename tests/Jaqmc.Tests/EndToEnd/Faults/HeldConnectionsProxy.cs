using System.Net;
using System.Net.Sockets;

namespace Jaqmc.Tests.EndToEnd.Faults;

/// <summary>
/// A loopback TCP proxy in front of a server that holds every connection, unanswered, until <see cref="Release"/>;
/// from then on it passes bytes both ways. A client's first call thus ends when the test says, not when a thread
/// happens to be scheduled: the PostgreSQL writer's first upload fails only after the run has ended.
/// </summary>
internal sealed class HeldConnectionsProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly int _serverPort;
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private readonly Task _accepting;
    private int _accepted;

    public HeldConnectionsProxy(int serverPort)
    {
        _serverPort = serverPort;
        _listener = new TcpListener(IPAddress.Loopback, LoopbackPorts.Next());
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    /// <summary>The port the client connects to instead of the server's.</summary>
    public int Port { get; }

    /// <summary>Connections accepted so far.</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    /// <summary>Connects the held connections, and every later one, to the server.</summary>
    public void Release() => _released.TrySetResult();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Task[] connections;
        lock (_connections)
        {
            connections = [.. _connections];
        }

        await Task.WhenAll([_accepting, .. connections]).ContinueWith(static _ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            Interlocked.Increment(ref _accepted);
            lock (_connections)
            {
                _connections.Add(ForwardAsync(client));
            }
        }
    }

    private async Task ForwardAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                await _released.Task.WaitAsync(_stop.Token);
                using var server = new TcpClient();
                await server.ConnectAsync(IPAddress.Loopback, _serverPort, _stop.Token);
                var fromClient = client.GetStream();
                var toServer = server.GetStream();

                // Either side closing ends both directions, as a direct connection would.
                await Task.WhenAny(fromClient.CopyToAsync(toServer, _stop.Token), toServer.CopyToAsync(fromClient, _stop.Token));
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
            {
                // The test is over, or a side went away: the connection ends.
            }
        }
    }
}
