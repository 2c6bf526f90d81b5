using System.Diagnostics;
using System.Globalization;

namespace Jaqmc.Benchmarks.Dashboard;

/// <summary>
/// <c>dashboard-viewers [--viewers 20] [--iterations 1500] [--walkers 1024] [--repeats 3] [--dll PATH]</c>: what
/// watching costs a training run. Each repeat runs <c>jaqmc train --dashboard</c> (He, CSV only, the dashboard on
/// 127.0.0.1) twice, with no viewer and with N viewers, in alternating order; a viewer holds the live stream open and,
/// like the page, fetches the run's curve on every event. Reported: wall times spawn to exit, and their ratio
/// (no viewers / N viewers), the share of the training's speed the viewers leave it.
/// </summary>
internal static class DashboardViewersCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var viewers = CommandHelpers.Option(args, "--viewers", 20);
        var iterations = CommandHelpers.Option(args, "--iterations", 1500);
        var walkers = CommandHelpers.Option(args, "--walkers", 1024);
        var repeats = CommandHelpers.Option(args, "--repeats", 3);
        var at = Array.IndexOf(args, "--dll");
        var dll = Path.GetFullPath(at >= 0 && at + 1 < args.Length ? args[at + 1] : Path.Combine(AppContext.BaseDirectory, "jaqmc.dll"));
        var (alone, watched) = (new List<double>(), new List<double>());
        for (var r = 0; r < repeats; r++)
        {
            foreach (var n in r % 2 == 0 ? new[] { 0, viewers } : [viewers, 0])
            {
                var seconds = await TrainAsync(dll, iterations, walkers, n);
                (n == 0 ? alone : watched).Add(seconds);
                Console.WriteLine(Invariant($"  repeat {r + 1}, {n,2} viewers: {seconds:F2} s"));
            }
        }

        var (a, w) = (CommandHelpers.Median(alone), CommandHelpers.Median(watched));
        Console.WriteLine(Invariant($"He, {iterations} steps, {walkers} walkers, CSV: median {a:F2} s with no viewer, {w:F2} s with {viewers} viewers; ratio {a / w:F3}"));
        return 0;
    }

    private static async Task<double> TrainAsync(string dll, int iterations, int walkers, int viewers)
    {
        var directory = Path.Combine(Path.GetTempPath(), "jaqmc-bench-viewers-" + Guid.NewGuid().ToString("N")[..8]);
        var port = CommandHelpers.FreePort();
        var url = Invariant($"http://127.0.0.1:{port}");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { dll, "train", "--system", "He", "-w", Path.Combine(directory, "run"), "--iterations", Invariant($"{iterations}"), "--eval-iterations", "0", "--walkers", Invariant($"{walkers}"), "--no-progress", "--dashboard", "--Dashboard:Urls=" + url, "--Writers:Hdf5:Enabled=false", "--Writers:Console:Interval=100" })
        {
            info.ArgumentList.Add(argument);
        }

        using var stop = new CancellationTokenSource();
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var watching = Enumerable.Range(0, viewers).Select(_ => ViewAsync(url, stop.Token)).ToArray();
        await process.WaitForExitAsync();
        var seconds = watch.Elapsed.TotalSeconds;
        await stop.CancelAsync();
        await Task.WhenAll(watching);
        Directory.Delete(directory, recursive: true);
        return process.ExitCode == 0 ? seconds : throw new InvalidOperationException($"training exited {process.ExitCode}");
    }

    // One viewer: the live stream, and the curve after each event, as the page does; until the run's process exits.
    private static async Task ViewAsync(string url, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = new Uri(url) };
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    using var response = await http.GetAsync(new Uri("/api/live", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                    using var events = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
                    while (await events.ReadLineAsync(cancellationToken) is { } line)
                    {
                        if (line.StartsWith("data: ", StringComparison.Ordinal) && line.Contains("\"dir:run\"", StringComparison.Ordinal))
                        {
                            using var curve = await http.GetAsync(new Uri("/api/curve?run=dir:run", UriKind.Relative), cancellationToken);
                        }
                    }
                }
                catch (Exception e) when (e is HttpRequestException or IOException)
                {
                    // Not listening yet, or gone with the run: try again shortly.
                    await Task.Delay(50, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The run ended.
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
