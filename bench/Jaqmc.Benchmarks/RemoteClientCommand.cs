using System.Diagnostics;
using System.Globalization;
using Jaqmc.Remote;
using Jaqmc.Sinks;
using Microsoft.Extensions.Options;

namespace Jaqmc.Benchmarks;

/// <summary>
/// <c>remote-client --url URL [--records N] [--rounds N] [--batch N] [--run NAME]</c>: the .NET
/// <see cref="RemoteStatsRecorder"/> sending records of 20 keys to a running <c>jaqmc serve</c> as fast as it takes
/// them; a round lasts from the first record to the acknowledged end of the stage. Prints records/s per round and
/// the median. <c>--batch 1</c> measures one request per record (the protocol without batching). bench/remote runs
/// it beside the Python figures.
/// </summary>
internal static class RemoteClientCommand
{
    private static readonly StatsKeys Keys = new(Enumerable.Range(0, 20).Select(i => $"key_{i:D2}_statistic"));

    public static async Task<int> RunAsync(string[] args)
    {
        string Arg(string name, string fallback)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        }

        var url = new Uri(Arg("--url", "http://127.0.0.1:5170"));
        var records = int.Parse(Arg("--records", "500000"), CultureInfo.InvariantCulture);
        var rounds = int.Parse(Arg("--rounds", "5"), CultureInfo.InvariantCulture);
        var batch = int.Parse(Arg("--batch", "8192"), CultureInfo.InvariantCulture);
        var run = Arg("--run", "bench-dotnet");
        var rates = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            await using var recorder = new RemoteStatsRecorder(Options.Create(new RemoteRecorderOptions { Url = url, Run = $"{run}-{round}", MaxBatchSize = batch }));
            var watch = Stopwatch.StartNew();
            await recorder.BeginStageAsync("train", 0);
            for (var step = 0; step < records; step++)
            {
                var values = new double[Keys.Count];
                for (var k = 0; k < values.Length; k++)
                {
                    values[k] = -2.9 + (k * 0.01) + (1.0 / (step + 1));
                }

                await recorder.RecordAsync(new StatsRecord("train", step, Keys, values));
            }

            await recorder.EndStageAsync(StageOutcome.Completed);
            var rate = records / watch.Elapsed.TotalSeconds;
            rates.Add(rate);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round + 1}: {records} records in {watch.Elapsed.TotalSeconds:F2} s = {rate:F0} records/s"));
        }

        rates.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"median: {rates[rates.Count / 2]:F0} records/s"));
        return 0;
    }
}
