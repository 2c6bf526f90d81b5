using System.Diagnostics;
using System.Globalization;

namespace Jaqmc.Benchmarks.Dashboard;

/// <summary>
/// <c>dashboard-viewers [--viewers 20] [--iterations 1500] [--walkers 1024] [--repeats 3] [--whole-curves | --compare] [--viewer-nice N | --viewer-idle] [--dll PATH]</c>:
/// what watching costs a training run. Each repeat runs <c>jaqmc train --dashboard</c> (He, CSV only, the dashboard on
/// 127.0.0.1) twice, with no viewer and with N viewers, in alternating order; a viewer holds the live stream open and,
/// like the page, fetches the run's curve once and then on every event only its tail since the last bucket held
/// (<see cref="HeldCurve"/>); <c>--whole-curves</c> refetches the whole curve on every event instead (the page before
/// live tails), and <c>--compare</c> runs both kinds of viewers beside the unwatched run in each repeat. Reported: wall times spawn to exit, and their ratio
/// (no viewers / N viewers), the share of the training's speed the viewers leave it.
/// </summary>
/// <remarks>
/// <c>--viewer-nice N</c> runs the viewers in a child process at nice N instead of inside this one, and
/// <c>--viewer-idle</c> in one under <c>SCHED_IDLE</c> (<c>chrt --idle 0</c>). Real viewers are
/// browsers, usually on another machine; at nice 19 the simulated ones take only the CPU the training leaves, so
/// what remains is the cost of serving them. Without it they compete with the training as equals.
/// </remarks>
internal static class DashboardViewersCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var viewers = CommandHelpers.Option(args, "--viewers", 20);
        var iterations = CommandHelpers.Option(args, "--iterations", 1500);
        var walkers = CommandHelpers.Option(args, "--walkers", 1024);
        var repeats = CommandHelpers.Option(args, "--repeats", 3);
        var wholeCurves = args.Contains("--whole-curves");
        var at = Array.IndexOf(args, "--dll");
        var dll = Path.GetFullPath(at >= 0 && at + 1 < args.Length ? args[at + 1] : CommandHelpers.DefaultJaqmcDll());
        var compare = args.Contains("--compare");
        var viewerNice = CommandHelpers.Option(args, "--viewer-nice", -1);
        var viewerIdle = args.Contains("--viewer-idle");

        // The arms of a repeat: no viewer, N viewers (tails, or whole curves), and with --compare both kinds of
        // viewers, in an order rotated each repeat so that a load change on a shared machine hits every arm alike.
        (string Name, int Viewers, bool Whole)[] arms = compare
            ? [("no viewer", 0, false), ("tail viewers", viewers, false), ("whole-curve viewers", viewers, true)]
            : [("no viewer", 0, false), (wholeCurves ? "whole-curve viewers" : "tail viewers", viewers, wholeCurves)];
        var times = arms.ToDictionary(a => a.Name, _ => new List<double>());
        var ratios = arms.Skip(1).ToDictionary(a => a.Name, _ => new List<double>());
        for (var r = 0; r < repeats; r++)
        {
            var seconds = new Dictionary<string, double>();
            for (var i = 0; i < arms.Length; i++)
            {
                var arm = arms[(i + r) % arms.Length];
                seconds[arm.Name] = await TrainAsync(dll, iterations, walkers, arm.Viewers, arm.Whole, viewerIdle ? IdlePolicy : viewerNice);
                times[arm.Name].Add(seconds[arm.Name]);
                Console.WriteLine(Invariant($"  repeat {r + 1}, {arm.Name}: {seconds[arm.Name]:F2} s"));
            }

            foreach (var arm in arms.Skip(1))
            {
                ratios[arm.Name].Add(seconds["no viewer"] / seconds[arm.Name]);
            }
        }

        var alone = CommandHelpers.Median(times["no viewer"]);
        foreach (var arm in arms.Skip(1))
        {
            Console.WriteLine(Invariant($"He, {iterations} steps, {walkers} walkers, CSV, {viewers} {arm.Name}{(viewerIdle ? " (a child process under SCHED_IDLE)" : viewerNice >= 0 ? $" (a child process at nice {viewerNice})" : string.Empty)}: median {alone:F2} s with no viewer, {CommandHelpers.Median(times[arm.Name]):F2} s watched; ratio of medians {alone / CommandHelpers.Median(times[arm.Name]):F3}, median of per-repeat ratios {CommandHelpers.Median(ratios[arm.Name]):F3}"));
        }

        return 0;
    }

    /// <summary><c>dashboard-viewer-swarm --url URL --viewers N [--whole-curves]</c>: N viewers of URL until stdin closes (the child process of <c>--viewer-nice</c>).</summary>
    public static async Task<int> SwarmAsync(string[] args)
    {
        var at = Array.IndexOf(args, "--url");
        var url = args[at + 1];
        using var stop = new CancellationTokenSource();
        var watching = Enumerable.Range(0, CommandHelpers.Option(args, "--viewers", 20)).Select(_ => ViewAsync(url, args.Contains("--whole-curves"), stop.Token)).ToArray();
        await Console.In.ReadToEndAsync();
        await stop.CancelAsync();
        await Task.WhenAll(watching);
        return 0;
    }

    private static async Task<double> TrainAsync(string dll, int iterations, int walkers, int viewers, bool wholeCurves, int viewerNice)
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
        using var swarm = viewerNice >= 0 && viewers > 0 ? StartSwarm(url, viewers, wholeCurves, viewerNice) : null;
        var watching = swarm is null ? Enumerable.Range(0, viewers).Select(_ => ViewAsync(url, wholeCurves, stop.Token)).ToArray() : [];
        await process.WaitForExitAsync();
        var seconds = watch.Elapsed.TotalSeconds;
        await stop.CancelAsync();
        await Task.WhenAll(watching);
        if (swarm is not null)
        {
            swarm.StandardInput.Close();
            await swarm.WaitForExitAsync();
        }

        Directory.Delete(directory, recursive: true);
        return process.ExitCode == 0 ? seconds : throw new InvalidOperationException($"training exited {process.ExitCode}");
    }

    // --viewer-idle: the child runs under SCHED_IDLE (chrt --idle 0), using only CPU time nothing else wants.
    private const int IdlePolicy = 100;

    private static Process StartSwarm(string url, int viewers, bool wholeCurves, int nice)
    {
        var info = new ProcessStartInfo(nice == IdlePolicy ? "chrt" : "nice") { RedirectStandardInput = true, UseShellExecute = false };
        foreach (var argument in (nice == IdlePolicy ? new[] { "--idle", "0" } : ["-n", Invariant($"{nice}")]).Concat(["dotnet", typeof(DashboardViewersCommand).Assembly.Location, "dashboard-viewer-swarm", "--url", url, "--viewers", Invariant($"{viewers}")]))
        {
            info.ArgumentList.Add(argument);
        }

        if (wholeCurves)
        {
            info.ArgumentList.Add("--whole-curves");
        }

        return Process.Start(info)!;
    }

    // One viewer: the live stream, and the curve after each event, as the page does; until the run's process exits.
    private static async Task ViewAsync(string url, bool wholeCurves, CancellationToken cancellationToken)
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
                    var held = new HeldCurve();
                    while (await events.ReadLineAsync(cancellationToken) is { } line)
                    {
                        if (line.StartsWith("data: ", StringComparison.Ordinal) && line.Contains("\"dir:run\"", StringComparison.Ordinal))
                        {
                            await held.UpdateAsync(http, wholeCurves, cancellationToken);
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
