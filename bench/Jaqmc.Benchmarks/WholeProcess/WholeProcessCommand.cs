using System.Globalization;
using System.Runtime.InteropServices;

namespace Jaqmc.Benchmarks.WholeProcess;

/// <summary>
/// <c>whole-process [--steps N] [--eval-steps N] [--pairs N] [--warm-up N] [--dll PATH] [--baseline PATH]...
/// [--compare-env K=V[,K=V]]... [--variant 'LABEL|DLL|K=V,...']... [--env K=V]... [--writers Console,Csv,Hdf5] [--threads] [--plain]</c>: the duty cycle as a user sees it.
/// Each run is a whole <c>dotnet jaqmc.dll</c> process (He, 4096 walkers, the shipped appsettings.json) timed from
/// spawn to exit, start-up, JIT, file creation, both stages and exit included. Runs with the writers off and on
/// alternate in ABBA order; the duty cycle is the median of the pairs' ratios (off / on).
/// </summary>
/// <remarks>
/// <para>
/// "On" is the program's default set of writers (Console every 100 steps, CSV, HDF5; <c>--writers</c> picks a
/// subset), "off" is <c>--Writers:Console:Enabled=false --Writers:Csv:Enabled=false --Writers:Hdf5:Enabled=false</c>.
/// Every run checks its exit code and which stats files it left, so a misconfigured side cannot pass for fast.
/// </para>
/// <para>
/// <c>--baseline PATH</c> (another build's jaqmc.dll, or a native jaqmc) and <c>--compare-env K=V</c> (the same build with variables
/// set) add variants whose pairs are interleaved with the main build's, so a before/after comparison shares the
/// machine's drift. The one-minute load average is printed with every pair: on a shared machine, quote it with
/// the figure.
/// </para>
/// </remarks>
internal static class WholeProcessCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var steps = CommandHelpers.Option(args, "--steps", 3000);
        var evaluationSteps = CommandHelpers.Option(args, "--eval-steps", 1);
        var pairs = CommandHelpers.Option(args, "--pairs", 10);
        var warmUp = CommandHelpers.Option(args, "--warm-up", 1);
        var writers = Values(args, "--writers").SelectMany(w => w.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        if (writers.Count == 0)
        {
            writers = [.. JaqmcLauncher.DefaultWriters];
        }

        var environment = Values(args, "--env").Select(Pair).ToDictionary(p => p.Key, p => p.Value);
        var dll = Path.GetFullPath(Values(args, "--dll").LastOrDefault() ?? CommandHelpers.DefaultJaqmcDll());
        var variants = new List<Variant> { new("this build", dll, new Dictionary<string, string>()) };
        variants.AddRange(Values(args, "--baseline").Select(p => new Variant($"baseline {p}", Path.GetFullPath(p), new Dictionary<string, string>())));
        variants.AddRange(Values(args, "--compare-env").Select(e => new Variant($"this build with {e}", dll, ParseEnvironment(e))));

        // --variant "label|path/to/jaqmc.dll|K=V,K=V": any build with any variables.
        variants.AddRange(Values(args, "--variant").Select(v => v.Split('|')).Select(v =>
            new Variant(v[0], Path.GetFullPath(v.Length > 1 && v[1].Length > 0 ? v[1] : dll), ParseEnvironment(v.Length > 2 ? v[2] : string.Empty))));
        // --plain: also measure the plain build (what the tests run: no ReadyToRun, no CallCountThreshold).
        if (args.Contains("--plain") && PlainBuildOf(dll) is { } plain)
        {
            variants.Add(new Variant("plain build", plain, new Dictionary<string, string>()));
        }

        foreach (var variant in variants.Where(v => !File.Exists(v.Dll)))
        {
            await Console.Error.WriteLineAsync($"whole-process: {variant.Dll} does not exist (build it: dotnet build -c Release src/Cli)");
            return 2;
        }

        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, _ => JaqmcLauncher.AbortCurrent());
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => JaqmcLauncher.AbortCurrent());
        var threads = args.Contains("--threads");
        var launcher = new JaqmcLauncher(steps, evaluationSteps, writers, environment, threads);
        var warmUpLauncher = new JaqmcLauncher(Math.Min(steps, 200), 1, writers, environment);
        Console.WriteLine(FormattableString.Invariant(
            $"whole-process duty cycle: He, {steps} training + {evaluationSteps} evaluation steps per process, {pairs} ABBA pairs per variant after {warmUp} warm-up pair(s); {Environment.ProcessorCount} cores, load {ChildCpu.LoadAverage():F2}"));
        foreach (var variant in variants)
        {
            // A connection string's password stays out of the benchmark's output (it may be kept as a log).
            var env = string.Join(' ', environment.Concat(variant.Environment).Select(kv => $"{kv.Key}={WithoutPassword(kv.Value)}"));
            Console.WriteLine($"  {variant.Label}:");
            Console.WriteLine($"    off: {env}{(env.Length > 0 ? " " : string.Empty)}{launcher.Describe(variant, withWriters: false)}");
            Console.WriteLine($"    on:  {env}{(env.Length > 0 ? " " : string.Empty)}{launcher.Describe(variant, withWriters: true)}");
        }

        // Warm-up: the program's files and libhdf5 into the page cache, the first-run costs of a fresh machine out of the way.
        for (var i = 0; i < warmUp; i++)
        {
            foreach (var variant in variants)
            {
                await warmUpLauncher.RunAsync(variant, withWriters: false);
                await warmUpLauncher.RunAsync(variant, withWriters: true);
            }
        }

        var loads = new List<double>();
        for (var pair = 0; pair < pairs; pair++)
        {
            // ABBA: the order within a pair alternates, and so does the order of the variants.
            var forward = pair % 2 == 0;
            foreach (var variant in forward ? variants : Enumerable.Reverse(variants))
            {
                RunTiming off, on;
                if (forward)
                {
                    off = await launcher.RunAsync(variant, withWriters: false);
                    on = await launcher.RunAsync(variant, withWriters: true);
                }
                else
                {
                    on = await launcher.RunAsync(variant, withWriters: true);
                    off = await launcher.RunAsync(variant, withWriters: false);
                }

                variant.Pairs.Add((off, on));
                var load = ChildCpu.LoadAverage();
                loads.Add(load);
                Console.WriteLine(FormattableString.Invariant(
                    $"pair {pair + 1,2} {(forward ? "AB" : "BA")} [{variant.Label}]: off {off.Wall:F3} s (CPU {off.Cpu:F2} s), on {on.Wall:F3} s (CPU {on.Cpu:F2} s), on-off {on.Wall - off.Wall:+0.000;-0.000} s, ratio {off.Wall / on.Wall:F4}, load {load:F2}"));
            }
        }

        Console.WriteLine(FormattableString.Invariant($"load average during the pairs: median {CommandHelpers.Median(loads):F2}, min {loads.Min():F2}, max {loads.Max():F2}"));
        foreach (var variant in variants)
        {
            Report(variant);
        }

        return 0;
    }

    private static void Report(Variant variant)
    {
        var ratios = variant.Pairs.Select(p => p.Off.Wall / p.On.Wall).ToList();
        var off = variant.Pairs.Select(p => p.Off.Wall).ToList();
        var on = variant.Pairs.Select(p => p.On.Wall).ToList();
        Console.WriteLine($"[{variant.Label}] {variant.Pairs.Count} pairs");
        if (variant.Pairs.All(p => p.Off.Threads is not null && p.On.Threads is not null))
        {
            // Per thread name: the median over pairs of (on - off). Everything but the thread pool (which runs the
            // training's sweep and whose spinning varies from run to run) is the recording's cost with less noise.
            var names = variant.Pairs.SelectMany(p => p.On.Threads!.Keys.Concat(p.Off.Threads!.Keys)).Distinct();
            var deltas = names.Select(n => (Name: n, Delta: CommandHelpers.Median(variant.Pairs.Select(p => p.On.Threads!.GetValueOrDefault(n) - p.Off.Threads!.GetValueOrDefault(n)))))
                .Where(d => Math.Abs(d.Delta) >= 1).OrderByDescending(d => Math.Abs(d.Delta)).ToList();
            var outsidePool = CommandHelpers.Median(variant.Pairs.Select(p =>
                p.On.Threads!.Where(t => t.Key != "thread pool").Sum(t => t.Value) - p.Off.Threads!.Where(t => t.Key != "thread pool").Sum(t => t.Value)));
            Console.WriteLine(FormattableString.Invariant(
                $"  CPU ms on-off by thread (median over pairs): {string.Join(", ", deltas.Select(d => $"{d.Name} {d.Delta:+0;-0}"))}; all threads but the pool: {outsidePool:+0;-0} ms"));
        }

        Console.WriteLine(FormattableString.Invariant(
            $"  wall s, median (quartiles): writers off {CommandHelpers.Median(off):F3} ({CommandHelpers.Quantile(off, 0.25):F3}-{CommandHelpers.Quantile(off, 0.75):F3}), on {CommandHelpers.Median(on):F3} ({CommandHelpers.Quantile(on, 0.25):F3}-{CommandHelpers.Quantile(on, 0.75):F3}); on-off per pair: median {CommandHelpers.Median(variant.Pairs.Select(p => p.On.Wall - p.Off.Wall)):+0.000;-0.000} s"));
        Console.WriteLine(FormattableString.Invariant(
            $"  CPU s, median: writers off {CommandHelpers.Median(variant.Pairs.Select(p => p.Off.Cpu)):F2}, on {CommandHelpers.Median(variant.Pairs.Select(p => p.On.Cpu)):F2}; on-off per pair: median {CommandHelpers.Median(variant.Pairs.Select(p => p.On.Cpu - p.Off.Cpu)):+0.00;-0.00} s"));
        Console.WriteLine(FormattableString.Invariant(
            $"  duty cycle (off/on) = median of pair ratios {CommandHelpers.Median(ratios):F4}, quartiles {CommandHelpers.Quantile(ratios, 0.25):F4} and {CommandHelpers.Quantile(ratios, 0.75):F4}, min {ratios.Min():F4}, max {ratios.Max():F4}; ratio of medians {CommandHelpers.Median(off) / CommandHelpers.Median(on):F4}"));
    }

    /// <summary>The plain build beside a ReadyToRun copy in bin/Release/r2r/ (bin/Release/net10.0/), if there is one.</summary>
    private static string? PlainBuildOf(string dll)
    {
        var plain = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(dll)!, "..", "net10.0", "jaqmc.dll"));
        return plain != dll && File.Exists(plain) ? plain : null;
    }

    private static IEnumerable<string> Values(string[] args, string name)
    {
        for (var i = 0; i + 1 < args.Length; i++)
        {
            if (args[i] == name)
            {
                yield return args[i + 1];
            }
        }
    }

    private static Dictionary<string, string> ParseEnvironment(string list) =>
        list.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(Pair).ToDictionary(p => p.Key, p => p.Value);

    private static KeyValuePair<string, string> Pair(string text)
    {
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"whole-process: '{text}' is not KEY=VALUE"));
        }

        return new(text[..equals], text[(equals + 1)..]);
    }

    /// <summary><paramref name="value"/> with the password of a connection string in it replaced (any spelling, quoted or not).</summary>
    private static string WithoutPassword(string value)
    {
        try
        {
            var builder = new Npgsql.NpgsqlConnectionStringBuilder(value);
            if (builder.Password is null)
            {
                return value;
            }

            builder.Password = "***";
            return builder.ConnectionString;
        }
        catch (ArgumentException)
        {
            return value;
        }
    }
}
