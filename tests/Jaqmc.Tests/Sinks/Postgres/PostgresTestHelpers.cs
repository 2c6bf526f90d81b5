using System.Diagnostics;
using Jaqmc.Sinks;

namespace Jaqmc.Tests.Sinks.Postgres;

/// <summary>What the tests share: a stand-in for the pipeline's retry loop and record generators.</summary>
internal static class PostgresTestHelpers
{
    /// <summary>
    /// Retries <paramref name="call"/> like the pipeline does (backoff, permanent errors end it) and returns how
    /// many attempts failed.
    /// </summary>
    public static async Task<int> RetryAsync(Func<Task> call, TimeSpan? giveUpAfter = null)
    {
        var limit = giveUpAfter ?? TimeSpan.FromSeconds(60);
        var clock = Stopwatch.StartNew();
        var delay = TimeSpan.FromMilliseconds(20);
        var failures = 0;
        while (true)
        {
            try
            {
                await call();
                return failures;
            }
            catch (Exception ex) when (ex is not PermanentWriterException && clock.Elapsed < limit)
            {
                failures++;
                await Task.Delay(delay);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromMilliseconds(500).Ticks));
            }
        }
    }

    /// <summary>Twenty keys like a VMC step's, with values that differ per step and key.</summary>
    public static readonly StatsKeys TwentyKeys = new(Enumerable.Range(0, 20).Select(i => i switch
    {
        0 => "total_energy",
        1 => "pmove",
        2 => "energy:kinetic",
        _ => $"key_{i:D2}",
    }));

    public static StatsRecord TwentyKeyRecord(string stage, long step, int seed = 0)
    {
        var values = new double[TwentyKeys.Count];
        for (var k = 0; k < values.Length; k++)
        {
            values[k] = seed + (step * 1e-3) + (k / 7.0);
        }

        return new StatsRecord(stage, step, TwentyKeys, values);
    }

    public static List<StatsRecord> Batch(string stage, long from, int count, int seed = 0) =>
        Enumerable.Range(0, count).Select(i => TwentyKeyRecord(stage, from + i, seed)).ToList();
}
