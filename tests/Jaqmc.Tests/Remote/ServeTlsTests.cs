using Jaqmc.Remote;
using Jaqmc.Sinks;
using Jaqmc.Tests.Sinks.Csv;
using Microsoft.Extensions.Options;

namespace Jaqmc.Tests.Remote;

/// <summary>
/// TLS as docs/remote.md configures it: <c>jaqmc serve --urls https://127.0.0.1:PORT</c> with Kestrel's default
/// certificate (a self-signed one made here). A client that does not trust it is refused; the .NET
/// <see cref="RemoteStatsRecorder"/> and the Python client, each trusting that certificate, record every step.
/// </summary>
public sealed class ServeTlsTests
{
    private static readonly StatsKeys Keys = new(["total_energy", "pmove"]);

    [Fact]
    public async Task HttpsServer_RefusesAnUntrustingClient_AndTheDotNetAndPythonClientsTrustingItsCertificateRecordEveryStep()
    {
        var root = ServeProcess.NewRoot("tls");
        using var certificate = new LoopbackCertificate(root);
        using var server = new ServeProcess(Path.Combine(root, "server")) { Tls = certificate };
        await server.StartAsync();

        using (var untrusting = new HttpClient { Timeout = TimeSpan.FromMinutes(2) })
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => untrusting.GetAsync(new Uri(server.Url + "/healthz")));
        }

        var options = new RemoteRecorderOptions { Url = new Uri(server.Url), Run = "dotnet", RetryDelay = TimeSpan.FromMilliseconds(50), CloseTimeout = TimeSpan.FromMinutes(5) };
        await using (var recorder = new RemoteStatsRecorder(Options.Create(options), null, new HttpClient(certificate.TrustingHandler()) { Timeout = Timeout.InfiniteTimeSpan }))
        {
            await recorder.BeginStageAsync("train", 0);
            for (var step = 0; step < 100; step++)
            {
                await recorder.RecordAsync(new StatsRecord("train", step, Keys, [-1.0 - step, 0.5]));
            }

            await recorder.EndStageAsync(StageOutcome.Completed);
        }

        using (var python = PythonProcess.Start("examples/jaqmc_like_loop.py", "--url", server.Url, "--run", "python", "--workdir", Path.Combine(root, "client"), "--stages", "train:100", "--ca-file", certificate.PemPath))
        {
            await python.WaitAsync(TimeSpan.FromMinutes(10));
            Assert.True(python.ExitCode == 0, $"the Python loop over https exited {python.ExitCode}:\n{python.Stdout}\n{python.Stderr}");
        }

        var everyStep = Enumerable.Range(0, 100).Select(s => (long)s).ToArray();
        Assert.Equal(everyStep, CsvTestFiles.Read(Path.Combine(server.Root, "dotnet", "train_stats.csv")).Select(r => r.Step));
        Assert.Equal(everyStep, CsvTestFiles.Read(Path.Combine(server.Root, "python", "train_stats.csv")).Select(r => r.Step));
    }
}
