using System.Globalization;
using Jaqmc.Tests.EndToEnd;

namespace Jaqmc.Tests.Remote;

/// <summary>Runs <c>jaqmc serve</c> as a child process on a free loopback port, restartable on the same port and root.</summary>
internal sealed class ServeProcess : IDisposable
{
    private readonly string[] _extra;

    public ServeProcess(string root, params string[] extra)
    {
        Root = root;
        Port = LoopbackPorts.Next();
        _extra = extra;
        Directory.CreateDirectory(root);
    }

    public string Root { get; }

    public int Port { get; }

    /// <summary>Serve https:// with this certificate (its <see cref="LoopbackCertificate.ServerArguments"/> are passed on).</summary>
    public LoopbackCertificate? Tls { get; init; }

    public string Url => string.Create(CultureInfo.InvariantCulture, $"{(Tls is null ? "http" : "https")}://127.0.0.1:{Port}");

    public JaqmcProcess? Process { get; private set; }

    public static string NewRoot(string scenario)
    {
        var root = Path.Combine(Path.GetTempPath(), "jaqmc-tests", "serve", scenario + "-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        return root;
    }

    /// <summary>Starts the server and waits until it answers <c>/healthz</c>.</summary>
    public async Task StartAsync()
    {
        Process?.Dispose();
        Process = JaqmcProcess.Start(["serve", "--root", Root, "--urls", Url, "--Writers:Csv:FlushInterval=00:00:00.050", .. Tls?.ServerArguments ?? [], .. _extra]);
        using var handler = Tls?.TrustingHandler();
        await HttpReadiness.WaitUntilHealthyAsync(Process, Url, handler);
    }

    /// <summary>SIGKILL: no handler runs, nothing is drained.</summary>
    public void KillHard() => Process?.KillHard();

    public void Dispose() => Process?.Dispose();
}
