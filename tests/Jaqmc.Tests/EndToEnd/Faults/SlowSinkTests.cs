using System.Diagnostics;
using Xunit.Abstractions;

namespace Jaqmc.Tests.EndToEnd.Faults;

/// <summary>
/// Scenario 4: one writer much slower than training (tests/Jaqmc.FaultHost's Slow writer) stalls only its own queue:
/// the others run ahead of it by at most the queues' room, then backpressure paces training; nothing is lost.
/// </summary>
public sealed class SlowSinkTests(ITestOutputHelper output)
{
    private const int Steps = 1500;
    private const int SlowQueue = 200;
    private const int SlowBatch = 10;
    private const int PipelineCapacity = 64;

    [Fact]
    public async Task SlowWriter_StallsOnlyItsOwnQueue_ThenBackpressure_AndNothingIsLost()
    {
        var watch = Stopwatch.StartNew();
        var dir = FaultProfile.NewDirectory("slow-sink");
        using var p = FaultHost.Start(
        [
            "--Run:WorkingDirectory=" + dir,
            "--Training:Producer=Synthetic",
            "--Training:Iterations=" + Steps,
            "--Writers:Console:Enabled=false",
            "--Writers:Csv:FlushInterval=00:00:00.020",
            "--Writers:Slow:Enabled=true",
            "--Writers:Slow:DelayPerRecord=00:00:00.005",
            "--Writers:Slow:QueueCapacity=" + SlowQueue,
            "--Writers:Slow:MaxBatchSize=" + SlowBatch,
            "--Pipeline:Capacity=" + PipelineCapacity,
            "--Pipeline:FullMode=Wait",
        ]);

        // Watch how far CSV is ahead of the slow writer while the run goes on.
        var maxLead = 0;
        var samples = 0;
        while (!p.HasExited)
        {
            var slow = Lines(Path.Combine(dir, "train_slow.txt"));
            var csv = Math.Max(0, Lines(Path.Combine(dir, "train_stats.csv")) - 1);
            if (csv < Steps)
            {
                maxLead = Math.Max(maxLead, csv - slow);
                samples++;
            }

            await Task.Delay(50);
        }

        await p.WaitAsync(TimeSpan.FromMinutes(2));
        var log = p.Stdout + p.Stderr;
        Assert.True(p.ExitCode == 0, $"exit {p.ExitCode}:\n{log}");

        // The fast writers got well ahead (only the slow writer's queue stalled) ...
        Assert.True(maxLead >= SlowQueue / 2, $"CSV was never more than {maxLead} rows ahead of the slow writer ({samples} samples)");

        // ... but no further than the queues hold: then training itself waited (backpressure).
        var bound = SlowQueue + SlowBatch + PipelineCapacity + 2;
        Assert.True(maxLead <= bound, $"CSV ran {maxLead} rows ahead of the slow writer, more than the queues hold ({bound}): records were not held back");
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(5 * Steps), $"the run took {watch.Elapsed}, less than the slow writer needs: it cannot have written everything");

        // Nothing lost, nothing twice, in order, everywhere.
        var slowSteps = File.ReadAllLines(Path.Combine(dir, "train_slow.txt")).Select(long.Parse).ToArray();
        Assert.Equal(Enumerable.Range(0, Steps).Select(i => (long)i), slowSteps);
        Assert.Equal(Steps * 20, RunOutputs.CsvAsLongTable(dir).Count);
        Assert.Equal(Enumerable.Range(0, Steps).Select(i => (long)i), Jaqmc.Sinks.Hdf5.Hdf5StatsReader.Read(Path.Combine(dir, "train_stats.h5")).Steps);
        foreach (var writer in new[] { "Slow", "Csv", "Hdf5" })
        {
            Assert.Matches($"Writer {writer}: {Steps} written, 0 dropped, 0 failed, 0 still queued", log);
        }

        output.WriteLine($"FIGURES slow-sink: maxLead={maxLead} bound={bound} samples={samples} runtime={watch.Elapsed.TotalSeconds:F1}s (slow writer alone needs {5 * Steps / 1000.0:F1}s)");
    }

    private static int Lines(string path)
    {
        if (!File.Exists(path))
        {
            return 0;
        }

        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var count = 0;
            int b;
            while ((b = stream.ReadByte()) >= 0)
            {
                count += b == '\n' ? 1 : 0;
            }

            return count;
        }
        catch (FileNotFoundException)
        {
            return 0;
        }
    }
}
