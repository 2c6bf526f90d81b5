using System.Diagnostics;
using System.Net;

namespace Jaqmc.Tests.EndToEnd;

/// <summary>For the program's servers (<c>serve</c>, <c>dashboard</c>) started as child processes: a free port, and waiting until one answers.</summary>
internal static class HttpReadiness
{
    /// <summary>
    /// Waits until <paramref name="url"/><c>/healthz</c> answers 200; fails with the process's output if it exits first
    /// or takes five minutes. <paramref name="handler"/> (owned by the caller) talks https to a test certificate.
    /// </summary>
    public static async Task WaitUntilHealthyAsync(JaqmcProcess process, string url, HttpMessageHandler? handler = null)
    {
        using var http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        http.Timeout = TimeSpan.FromSeconds(5);
        var watch = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                await process.WaitAsync(TimeSpan.FromSeconds(10));
                Assert.Fail($"jaqmc exited ({process.ExitCode}) before answering:\n{process.Stdout}\n{process.Stderr}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(url + "/healthz"));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            Assert.True(watch.Elapsed < TimeSpan.FromMinutes(5), $"jaqmc did not answer within five minutes:\n{process.Stdout}\n{process.Stderr}");
            await Task.Delay(50);
        }
    }
}
