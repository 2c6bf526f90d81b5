using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Jaqmc.Cli.Dashboard;

namespace Jaqmc.Benchmarks.Dashboard;

/// <summary>
/// <c>dashboard-live [--steps N] [--samples N] [--warm]</c>: the dashboard's figures on a run directory, in process on
/// 127.0.0.1. (1) First view of an N-step run (default 1,000,000) as the page asks for it: the runs list, then the
/// whole-run curve, both cold (the file not read yet); another key's first curve; the curve after a row is appended
/// (only the new bytes are read); and warm (nothing changed), with the buckets per curve. With <c>--warm</c> a small
/// run's curves are asked for first, so the first view measures the long run's data, not the process's first requests. (2) Live latency: a row appended to a run's CSV file until the
/// live stream's event carrying it, and until the curve that includes it is answered (what the page does next);
/// medians and p90 of the samples (default 30).
/// </summary>
internal static class DashboardLiveCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var steps = CommandHelpers.Option(args, "--steps", 1_000_000);
        var samples = CommandHelpers.Option(args, "--samples", 30);
        var root = Path.Combine(Path.GetTempPath(), "jaqmc-bench-dashboard-" + Guid.NewGuid().ToString("N")[..8]);
        var big = Path.Combine(root, "long");
        var live = Path.Combine(root, "live");
        Directory.CreateDirectory(big);
        Directory.CreateDirectory(live);
        try
        {
            WriteCsv(Path.Combine(big, "train_stats.csv"), steps);
            WriteCsv(Path.Combine(live, "train_stats.csv"), 1000);
            var port = CommandHelpers.FreePort();
            var url = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}");
            await using var app = await DashboardHost.StartAsync([], null, [new("Dashboard:Urls", url), new("Dashboard:LiveInterval", "00:00:00.250")], root, null, quiet: true, TextWriter.Null, CancellationToken.None);
            using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(5) };

            // The data's own cost, apart from the process's first requests (JIT, Kestrel): a small run's curve first,
            // as when a dashboard that has served a while is asked for a long run it has not read yet.
            var afterWarmUp = args.Contains("--warm");
            if (afterWarmUp)
            {
                await TimeCurveAsync(http, "dir:live");
                await TimeCurveAsync(http, "dir:live", "pmove");
            }

            // The page's first view: the runs list (which reads the last energy), then the curve.
            // CPU time of this process beside wall time: on a loaded machine the wall time is mostly waiting for a core.
            using var self = Process.GetCurrentProcess();
            var cpuBefore = self.TotalProcessorTime;
            var listWatch = Stopwatch.StartNew();
            await http.GetStringAsync(new Uri("/api/runs", UriKind.Relative));
            var listCold = listWatch.Elapsed.TotalMilliseconds;
            var (cold, coldBuckets) = await TimeCurveAsync(http, "dir:long");
            self.Refresh();
            var firstViewCpu = (self.TotalProcessorTime - cpuBefore).TotalMilliseconds;
            var (otherKey, _) = await TimeCurveAsync(http, "dir:long", "pmove");
            var grown = new List<double>();
            for (var i = 0; i < 7; i++)
            {
                await File.AppendAllTextAsync(Path.Combine(big, "train_stats.csv"), Row(steps + i));
                grown.Add((await TimeCurveAsync(http, "dir:long")).Ms);
            }

            Console.WriteLine(Invariant($"first view of a {steps:N0}-step run (CSV){(afterWarmUp ? ", the process warmed on a small run" : ", the process's first requests")}, as the page asks: runs list cold {listCold:F0} ms, then the total_energy curve {cold:F0} ms ({coldBuckets} buckets): data in {listCold + cold:F0} ms, {firstViewCpu:F0} ms of CPU (all threads); another key's first curve (pmove) {otherKey:F0} ms; the curve after a row is appended, median {CommandHelpers.Median(grown):F1} ms"));
            var warm = new List<double>();
            var list = new List<double>();
            for (var i = 0; i < 7; i++)
            {
                warm.Add((await TimeCurveAsync(http, "dir:long")).Ms);
                var watch = Stopwatch.StartNew();
                await http.GetStringAsync(new Uri("/api/runs", UriKind.Relative));
                list.Add(watch.Elapsed.TotalMilliseconds);
            }

            Console.WriteLine(Invariant($"then, nothing changed: curve median {CommandHelpers.Median(warm):F1} ms; runs list median {CommandHelpers.Median(list):F1} ms"));

            var (toEvent, toCurve) = await MeasureLiveAsync(http, Path.Combine(live, "train_stats.csv"), samples);
            Console.WriteLine(Invariant($"live latency, {samples} rows appended one at a time (LiveInterval 250 ms): record → event median {CommandHelpers.Median(toEvent):F0} ms, p90 {CommandHelpers.Quantile(toEvent, 0.9):F0} ms, max {toEvent.Max():F0} ms; record → curve answered median {CommandHelpers.Median(toCurve):F0} ms, p90 {CommandHelpers.Quantile(toCurve, 0.9):F0} ms, max {toCurve.Max():F0} ms"));
            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task<(double Ms, int Buckets)> TimeCurveAsync(HttpClient http, string run, string key = "total_energy")
    {
        var watch = Stopwatch.StartNew();
        var body = await http.GetStringAsync(new Uri("/api/curve?run=" + run + "&key=" + key, UriKind.Relative));
        var ms = watch.Elapsed.TotalMilliseconds;
        return (ms, JsonDocument.Parse(body).RootElement.GetProperty("step").GetArrayLength());
    }

    private static async Task<(List<double> ToEvent, List<double> ToCurve)> MeasureLiveAsync(HttpClient http, string csv, int samples)
    {
        using var response = await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/api/live"), HttpCompletionOption.ResponseHeadersRead);
        using var events = new StreamReader(await response.Content.ReadAsStreamAsync());
        await NextStepAsync(events, 999);
        var (toEvent, toCurve) = (new List<double>(), new List<double>());
        for (var step = 1000L; step < 1000 + samples; step++)
        {
            // Spread the writes over the poll interval, as a training's steps are.
            await Task.Delay(97);
            var watch = Stopwatch.StartNew();
            await File.AppendAllTextAsync(csv, Row(step));
            await NextStepAsync(events, step);
            toEvent.Add(watch.Elapsed.TotalMilliseconds);
            await http.GetStringAsync(new Uri("/api/curve?run=dir:live", UriKind.Relative));
            toCurve.Add(watch.Elapsed.TotalMilliseconds);
        }

        return (toEvent, toCurve);
    }

    private static async Task NextStepAsync(StreamReader events, long step)
    {
        while (await events.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal)
                && JsonDocument.Parse(line[6..]).RootElement.GetProperty("runs").EnumerateArray().Any(r => r.GetProperty("id").GetString() == "dir:live" && r.GetProperty("step").GetInt64() >= step))
            {
                return;
            }
        }

        throw new InvalidOperationException("the live stream ended");
    }

    private static void WriteCsv(string path, int steps)
    {
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20);
        writer.Write("step,pmove,total_energy,total_energy_var\r\n");
        for (var step = 0; step < steps; step++)
        {
            writer.Write(Row(step));
        }
    }

    private static string Row(long step) =>
        Invariant($"{step},0.52,{-2.9 + Math.Exp(-step / 3e4) + (0.01 * Math.Sin(step * 0.37)):R},0.1\r\n");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
