using System.Diagnostics;
using System.Globalization;
using Jaqmc.Remote;
using Jaqmc.Sinks;
using Microsoft.Extensions.Options;

namespace Jaqmc.Benchmarks.RemoteProtocols;

/// <summary>
/// <c>remote-protocols [--records N] [--rounds N] [--batch N] [--latency N]</c>: HTTP/1.1 with batched JSON (the
/// shipped protocol) against a gRPC bidirectional-streaming prototype, both into the same in-process
/// <see cref="ProtocolServer"/> (same streams, same CSV writer, same flush barrier before each acknowledgement), with
/// 20-key records. Rounds alternate the protocols so load on the machine falls on both alike; prints records/s per
/// round and medians, then the acknowledgement latency of single records sent at 100 records/s (p50, p99, max).
/// <c>--serve</c> only starts the server and prints its two addresses until standard input closes
/// (bench/remote/bench_protocols.py measures the Python clients against it).
/// </summary>
internal static class RemoteProtocolsCommand
{
    private static readonly StatsKeys Keys = new(Enumerable.Range(0, 20).Select(i => $"key_{i:D2}_statistic"));

    public static async Task<int> RunAsync(string[] args)
    {
        var root = Directory.CreateTempSubdirectory("jaqmc-bench-protocols-").FullName;
        await using var server = await ProtocolServer.StartAsync(root);
        if (args.Contains("--serve"))
        {
            Console.WriteLine($"json {server.JsonUrl}");
            Console.WriteLine($"grpc {server.GrpcUrl}");
            Console.WriteLine($"root {root}");
            await Console.In.ReadToEndAsync();
            return 0;
        }

        var count = CommandHelpers.Option(args, "--records", 200_000);
        var rounds = CommandHelpers.Option(args, "--rounds", 5);
        var batch = CommandHelpers.Option(args, "--batch", 8192);
        var latencySamples = CommandHelpers.Option(args, "--latency", 1000);
        var records = Enumerable.Range(0, count).Select(Record).ToArray();
        var contenders = new (string Name, Func<string, Task<double>> Rate)[]
        {
            ("HTTP/1.1 + batched JSON, bare loop (shipped protocol)", run => RateAsync(new JsonBatchSender(server.JsonUrl), run, records, batch)),
            ("gRPC bidi stream + protobuf, 1 batch in flight", run => RateAsync(new GrpcBatchSender(server.GrpcUrl, 1), run, records, batch)),
            ("gRPC bidi stream + protobuf, 4 batches in flight", run => RateAsync(new GrpcBatchSender(server.GrpcUrl, 4), run, records, batch)),
            ("shipped RemoteStatsRecorder (HTTP/JSON)", run => RecorderRateAsync(server.JsonUrl, run, records, batch)),
        };
        var rates = contenders.Select(_ => new List<double>()).ToArray();
        Console.WriteLine(Invariant($"{count} records of {Keys.Count} keys per round, {batch} per batch, CSV only, loopback; {rounds} rounds (+1 warm-up), protocols alternating"));
        for (var round = 0; round <= rounds; round++)
        {
            for (var c = 0; c < contenders.Length; c++)
            {
                var rate = await contenders[c].Rate($"p{c}-r{round}");
                if (round > 0)
                {
                    rates[c].Add(rate);
                }
            }

            if (round > 0)
            {
                Console.WriteLine(Invariant($"round {round}: ") + string.Join(" | ", rates.Select(r => Invariant($"{r[^1]:F0}"))));
            }
        }

        Console.WriteLine();
        for (var c = 0; c < contenders.Length; c++)
        {
            Console.WriteLine(Invariant($"{contenders[c].Name,-55} median {CommandHelpers.Median(rates[c]),9:F0} records/s  (rounds {string.Join(", ", rates[c].Select(r => r.ToString("F0", CultureInfo.InvariantCulture)))})"));
        }

        Console.WriteLine();
        Console.WriteLine(Invariant($"acknowledgement latency, one record per batch at 100 records/s, {latencySamples} records each:"));
        foreach (var (name, sender) in new (string, IBatchSender)[] { ("HTTP/1.1 + JSON", new JsonBatchSender(server.JsonUrl)), ("gRPC bidi stream", new GrpcBatchSender(server.GrpcUrl, 1)) })
        {
            await using (sender)
            {
                var ms = await LatencyAsync(sender, records, latencySamples, 100.0);
                Console.WriteLine(Invariant($"{name,-20} p50 {ms[ms.Length / 2]:F2} ms, p99 {ms[(int)(ms.Length * 0.99) - 1]:F2} ms, max {ms[^1]:F2} ms"));
            }
        }

        return 0;
    }

    private static StatsRecord Record(int step)
    {
        var values = new double[Keys.Count];
        for (var k = 0; k < values.Length; k++)
        {
            values[k] = -2.9 + (k * 0.01) + (1.0 / (step + 1));
        }

        return new StatsRecord("train", step, Keys, values);
    }

    /// <summary>From opening the stream to the acknowledgement of the last batch, with up to the sender's window in flight.</summary>
    private static async Task<double> RateAsync(IBatchSender sender, string run, StatsRecord[] records, int batch)
    {
        await using (sender)
        {
            var watch = Stopwatch.StartNew();
            await sender.OpenAsync(run, "train", 0);
            var inFlight = new Queue<Task<long>>();
            for (var start = 0; start < records.Length; start += batch)
            {
                while (inFlight.Count >= sender.Window)
                {
                    await inFlight.Dequeue();
                }

                inFlight.Enqueue(await sender.SendAsync(Keys, records, start, Math.Min(batch, records.Length - start)));
            }

            while (inFlight.Count > 0)
            {
                await inFlight.Dequeue();
            }

            await sender.CloseAsync();
            return records.Length / watch.Elapsed.TotalSeconds;
        }
    }

    /// <summary>The shipped client as a loop uses it (RemoteClientCommand's measurement), for reference beside the bare loops.</summary>
    private static async Task<double> RecorderRateAsync(Uri url, string run, StatsRecord[] records, int batch)
    {
        await using var recorder = new RemoteStatsRecorder(Options.Create(new RemoteRecorderOptions { Url = url, Run = run, MaxBatchSize = batch }));
        var watch = Stopwatch.StartNew();
        await recorder.BeginStageAsync("train", 0);
        foreach (var record in records)
        {
            await recorder.RecordAsync(record);
        }

        await recorder.EndStageAsync(StageOutcome.Completed);
        return records.Length / watch.Elapsed.TotalSeconds;
    }

    /// <summary>Milliseconds from sending one record to its acknowledgement, sorted; records paced at <paramref name="rate"/> per second.</summary>
    private static async Task<double[]> LatencyAsync(IBatchSender sender, StatsRecord[] records, int samples, double rate)
    {
        await sender.OpenAsync("latency-" + Guid.NewGuid().ToString("N")[..8], "train", 0);
        var latencies = new double[samples];
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < samples; i++)
        {
            var sent = Stopwatch.GetTimestamp();
            await await sender.SendAsync(Keys, records, i, 1);
            latencies[i] = Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
            var due = TimeSpan.FromSeconds((i + 1) / rate) - clock.Elapsed;
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due);
            }
        }

        await sender.CloseAsync();
        Array.Sort(latencies);
        return latencies;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
