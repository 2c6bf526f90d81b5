using System.Globalization;

namespace Jaqmc.Benchmarks;

/// <summary>CPU time per thread name from <c>/proc</c> (Linux), to see which threads recording keeps busy.</summary>
internal sealed class ThreadCpuReport(bool enabled)
{
    /// <summary>Microseconds on a CPU so far, summed per thread name; null when disabled.</summary>
    public Dictionary<string, double>? Snapshot()
    {
        if (!enabled)
        {
            return null;
        }

        var result = new Dictionary<string, double>
        {
            ["#jit methods"] = System.Runtime.JitInfo.GetCompiledMethodCount(),
            ["#jit ms"] = System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds,
        };
        foreach (var task in Directory.GetDirectories("/proc/self/task"))
        {
            try
            {
                var name = File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n');

                // schedstat's first field: nanoseconds on a CPU (stat's ticks are 10 ms, too coarse here).
                var nanoseconds = double.Parse(File.ReadAllText(Path.Combine(task, "schedstat")).Split(' ')[0], CultureInfo.InvariantCulture);
                result[name] = result.GetValueOrDefault(name) + (nanoseconds / 1000);
            }
            catch (IOException)
            {
                // The thread ended between listing and reading.
            }
        }

        return result;
    }

    /// <summary>
    /// Prints the CPU time per step of each thread since <paramref name="before"/>; given the process's CPU time over
    /// the same span, also what threads that have ended since (a stage's writers) used.
    /// </summary>
    public void Print(string label, Dictionary<string, double>? before, int steps, double? processMicroseconds = null)
    {
        if (before is null || Snapshot() is not { } after)
        {
            return;
        }

        var deltas = after.Where(kv => !kv.Key.StartsWith('#')).Select(kv => (kv.Key, Delta: kv.Value - before.GetValueOrDefault(kv.Key))).ToList();
        if (processMicroseconds is { } total)
        {
            deltas.Add(("(ended threads)", total - deltas.Sum(d => d.Delta)));
        }

        var parts = deltas.Where(p => p.Delta > 0).OrderByDescending(p => p.Delta)
            .Select(p => FormattableString.Invariant($"{p.Key}={p.Delta / steps:F1}"));
        Console.WriteLine(FormattableString.Invariant(
            $"  {label}: µs/step by thread: {string.Join(", ", parts)}; JIT: {after["#jit methods"] - before["#jit methods"]} methods in {after["#jit ms"] - before["#jit ms"]:F0} ms"));
    }
}
