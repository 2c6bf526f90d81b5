using Jaqmc.Sinks;

namespace Jaqmc.Cli.Serve;

/// <summary>One request's records, parsed and checked: one key set, steps strictly increasing, one value per key.</summary>
internal sealed class RecordBatch(StatsKeys keys, long[] steps, double[][] values)
{
    public StatsKeys Keys { get; } = keys;

    public long[] Steps { get; } = steps;

    public double[][] Values { get; } = values;

    public int Count => Steps.Length;
}
