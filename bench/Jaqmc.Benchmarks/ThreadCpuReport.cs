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

        var result = new Dictionary<string, double>();
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

    /// <summary>Prints the CPU time per step of each thread since <paramref name="before"/>.</summary>
    public void Print(string label, Dictionary<string, double>? before, int steps)
    {
        if (before is null || Snapshot() is not { } after)
        {
            return;
        }

        var parts = after.Select(kv => (kv.Key, Delta: kv.Value - before.GetValueOrDefault(kv.Key)))
            .Where(p => p.Delta > 0).OrderByDescending(p => p.Delta)
            .Select(p => FormattableString.Invariant($"{p.Key}={p.Delta / steps:F1}"));
        Console.WriteLine($"  {label}: µs/step by thread: {string.Join(", ", parts)}");
    }
}
