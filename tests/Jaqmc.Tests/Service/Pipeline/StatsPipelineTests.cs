using System.Diagnostics;
using Jaqmc.Service.Pipeline;
using Jaqmc.Sinks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;

namespace Jaqmc.Tests.Service.Pipeline;

public sealed class StatsPipelineTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task EveryRecord_ReachesEveryWriter_InOrder_AndTheStageClosesThem()
    {
        await using var h = await PipelineHarness.StartAsync();
        await h.Pipeline.BeginStageAsync("train", 0, CancellationToken.None);
        await h.ProduceAsync(0, 1000);
        await h.Pipeline.EndStageAsync(StageOutcome.Completed, CancellationToken.None);

        Assert.Equal(Enumerable.Range(0, 1000).Select(i => (long)i), h.A.Steps());
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => (long)i), h.B.Steps());
        Assert.Equal(["open train@0", "close train Completed"], h.A.Events);
    }

    [Fact]
    public async Task Stages_OpenWritersWithTheirInitialStep()
    {
        await using var h = await PipelineHarness.StartAsync();
        await h.Pipeline.BeginStageAsync("train", 40, CancellationToken.None);
        await h.ProduceAsync(40, 50);
        await h.Pipeline.EndStageAsync(StageOutcome.Completed, CancellationToken.None);
        await h.Pipeline.BeginStageAsync("evaluation", 0, CancellationToken.None);
        await h.ProduceAsync(0, 5, "evaluation");
        await h.Pipeline.EndStageAsync(StageOutcome.Interrupted, CancellationToken.None);

        Assert.Equal(["open train@40", "close train Completed", "open evaluation@0", "close evaluation Interrupted"], h.A.Events);
        Assert.Equal(5, h.B.Steps("evaluation").Length);
    }

    [Fact]
    public async Task SlowWriter_DoesNotStallAFastOne_UntilItsOwnQueueIsFull()
    {
        await using var h = await PipelineHarness.StartAsync(
            new() { ["Writers:A:QueueCapacity"] = "1000" },
            (a, _) => a.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        await h.Pipeline.BeginStageAsync("train", 0, CancellationToken.None);
        await h.ProduceAsync(0, 500);

        // A is stalled (its disk hangs), B still receives everything.
        await WaitUntilAsync(() => h.B.Written.Count == 500);
        Assert.Empty(h.A.Written);

        h.A.Gate!.SetResult();
        await h.Pipeline.EndStageAsync(StageOutcome.Completed, CancellationToken.None);
        Assert.Equal(500, h.A.Steps().Length);
    }

    [Fact]
    public async Task WriterBlockedInSynchronousIo_DoesNotStallAnotherWriter()
    {
        using var hungDisk = new ManualResetEventSlim(false);
        await using var h = await PipelineHarness.StartAsync(arrange: (a, _) => a.BlockingGate = hungDisk);
        await h.Pipeline.BeginStageAsync("train", 0, CancellationToken.None);
        await h.ProduceAsync(0, 500);

        // A's thread is stuck in a write; B still receives everything.
        await WaitUntilAsync(() => h.B.Written.Count == 500 && h.A.Threads.Count >= 2); // open, then stuck in a write
        Assert.Empty(h.A.Written);

        hungDisk.Set();
        await h.Pipeline.EndStageAsync(StageOutcome.Completed, CancellationToken.None);
        Assert.Equal(Enumerable.Range(0, 500).Select(i => (long)i), h.A.Steps());
    }

    [Fact]
    public async Task EveryWriterCall_RunsOnTheWritersOwnThread_NotOnTheThreadPool()
    {
        // Including a retry after a backoff delay and a flush after an idle FlushInterval: both resume from timers.
        await using var h = await PipelineHarness.StartAsync(
            new() { ["Writers:A:FlushInterval"] = "00:00:00.050" },
            (a, _) => a.FailuresLeft = 1);
        await h.Pipeline.BeginStageAsync("train", 0, CancellationToken.None);
        await h.ProduceAsync(0, 100);
        await h.Pipeline.FlushAsync(99, CancellationToken.None);
        await h.ProduceAsync(100, 200);
        await WaitUntilAsync(() => Volatile.Read(ref h.A.Flushes) >= 2);
        await h.Pipeline.EndStageAsync(StageOutcome.Completed, CancellationToken.None);

        Assert.True(h.A.Threads.Count >= 6, "open, a failed write and its retry, two flushes and close were each seen");
        Assert.All(h.A.Threads, t => Assert.Equal("Writer A", t));
        Assert.All(h.B.Threads, t => Assert.Equal("Writer B", t));
    }


    [Fact]
    public async Task FullWriterQueue_BackpressuresTheProducer_UnderWait_AndLosesNothing()
    {
        await using var h = await PipelineHarness.StartAsync(
            new() { ["Writers:A:QueueCapacity"] = "4", ["Pipeline:Capacity"] = "4" },
            (a, _) => a.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        await h.Pipeline.BeginStageAsync("train", 0, CancellationToken.None);

        var blocked = false;
        for (var s = 0; s < 100; s++)
        {
            var pending = h.Pipeline.RecordAsync(PipelineHarness.Record(s), CancellationToken.None);
            if (!pending.IsCompleted)
            {
                blocked = true;
                h.A.Gate!.TrySetResult();
            }

            await pending;
        }

        Assert.True(blocked, "the producer never waited although writer A's queue and the pipeline were full");
        await h.Pipeline.EndStageAsync(StageOutcome.Completed, CancellationToken.None);
        Assert.Equal(100, h.A.Steps().Length);
        Assert.Equal(100, h.B.Steps().Length);
    }

    [Fact]
    public async Task WriterThatThrowsTwiceThenSucceeds_LosesNothing_AndLogsTheOutageOnce()
    {
        await using var h = await PipelineHarness.StartAsync(arrange: (a, _) => a.FailuresLeft = 2);
        await h.Pipeline.BeginStageAsync("train", 0, CancellationToken.None);
        await h.ProduceAsync(0, 300);
        await h.Pipeline.EndStageAsync(StageOutcome.Completed, CancellationToken.None);

        Assert.Equal(Enumerable.Range(0, 300).Select(i => (long)i), h.A.Steps());
        var logs = h.Logs.GetSnapshot();
        Assert.Single(logs, l => l.Message.Contains("Writer A: write failed (transient failure); retrying", StringComparison.Ordinal));
        Assert.Single(logs, l => l.Message.Contains("Writer A recovered after", StringComparison.Ordinal) && l.Message.Contains("2 retries", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PermanentFailure_StopsTheProducerWithAClearError_AndTheOtherWriterKeepsEverything()
    {
        await using var h = await PipelineHarness.StartAsync(arrange: (a, _) => a.FailPermanently = true);
        await h.Pipeline.BeginStageAsync("train", 0, CancellationToken.None);
        var error = await Assert.ThrowsAsync<StatsPipelineException>(async () =>
        {
            for (var s = 0; s < 1_000_000; s++)
            {
                await h.Pipeline.RecordAsync(PipelineHarness.Record(s), CancellationToken.None);
                if (s % 100 == 0)
                {
                    await h.Pipeline.FlushAsync(s, CancellationToken.None);
                }
            }
        });

        Assert.Contains("Writer 'A' failed: disk says no", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<StatsPipelineException>(async () => await h.Pipeline.EndStageAsync(StageOutcome.Failed, CancellationToken.None));
        var produced = h.B.Steps().Length;
        Assert.True(produced > 0);
        Assert.Equal(Enumerable.Range(0, produced).Select(i => (long)i), h.B.Steps());
        Assert.Equal(StageOutcome.Failed, h.B.LastOutcome);
        var summary = Assert.Single(h.Pipeline.Summaries, s => s.Writer == "A");
        Assert.Equal(produced, summary.Failed);
    }

    [Fact]
    public async Task DropOldest_CountsExactlyTheDroppedRecords_AndKeepsTheNewest()
    {
        await using var h = await PipelineHarness.StartAsync(
            new() { ["Pipeline:FullMode"] = "DropOldest", ["Pipeline:Capacity"] = "10", ["Writers:A:QueueCapacity"] = "1" },
            (a, _) => a.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        using var collector = new MetricCollector<long>(h.Services.GetRequiredService<PipelineMetrics>().Dropped);
        await h.Pipeline.BeginStageAsync("train", 0, CancellationToken.None);

        // The writer is stalled, so at most two chunks get past the queue (the one its empty queue always takes, and
        // the one the dispatcher waits with), plus the queue's own 10: everything else is dropped, however the
        // machine schedules the dispatcher.
        const int Produced = 5000;
        for (var s = 0; s < Produced; s++)
        {
            var pending = h.Pipeline.RecordAsync(PipelineHarness.Record(s), CancellationToken.None);
            Assert.True(pending.IsCompletedSuccessfully, "DropOldest must never make training wait");
        }

        h.A.Gate!.SetResult();
        await h.Pipeline.EndStageAsync(StageOutcome.Completed, CancellationToken.None);

        var written = h.A.Steps();
        Assert.Equal(Produced, written.Length + h.Pipeline.Dropped);
        Assert.Equal(h.Pipeline.Dropped, collector.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.True(h.Pipeline.Dropped >= Produced - 10 - (2 * ChunkPool.MaxChunk), $"dropped {h.Pipeline.Dropped}");
        Assert.Equal(Enumerable.Range(Produced - 10, 10).Select(i => (long)i), written[^10..]);
        Assert.Equal(written.Order(), written);
        Assert.Single(h.Logs.GetSnapshot(), l => l.Message.Contains("dropping records under Pipeline:FullMode=DropOldest", StringComparison.Ordinal));
    }

    [Fact]
    public async Task FailMode_ThrowsToTheProducerWhenFull()
    {
        await using var h = await PipelineHarness.StartAsync(
            new() { ["Pipeline:FullMode"] = "Fail", ["Pipeline:Capacity"] = "5", ["Writers:A:QueueCapacity"] = "1" },
            (a, _) => a.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        await h.Pipeline.BeginStageAsync("train", 0, CancellationToken.None);

        var error = await Assert.ThrowsAsync<StatsPipelineException>(() => h.ProduceAsync(0, 100));
        Assert.Contains("Pipeline:FullMode=Fail", error.Message, StringComparison.Ordinal);
        h.A.Gate!.SetResult();
        await h.Pipeline.EndStageAsync(StageOutcome.Failed, CancellationToken.None);

        // Everything accepted before the failure is written; nothing after it is.
        var written = h.A.Steps();
        Assert.Equal(Enumerable.Range(0, written.Length).Select(i => (long)i), written);
    }

    [Fact]
    public async Task FlushBarrier_CompletesOnlyWhenEveryWriterHasFlushedThatStep()
    {
        await using var h = await PipelineHarness.StartAsync(arrange: (a, _) => a.DelayPerBatch = TimeSpan.FromMilliseconds(20));
        await h.Pipeline.BeginStageAsync("train", 0, CancellationToken.None);
        await h.ProduceAsync(0, 200);

        await h.Pipeline.FlushAsync(199, CancellationToken.None);

        Assert.Equal(199, h.A.FlushedThrough);
        Assert.Equal(199, h.B.FlushedThrough);
        Assert.Equal(200, h.A.Steps().Length);
        await h.Pipeline.EndStageAsync(StageOutcome.Completed, CancellationToken.None);
    }

    [Fact]
    public async Task ATrickle_ReachesTheWriters_WithinTheDispatchInterval_InBatches()
    {
        await using var h = await PipelineHarness.StartAsync(new() { ["Pipeline:DispatchInterval"] = "00:00:00.200" });
        await h.Pipeline.BeginStageAsync("train", 0, CancellationToken.None);

        // One record per 10 ms, as a training loop does: they travel together, not one wake-up each.
        await h.ProduceAsync(0, 1);
        for (var step = 1; step < 40; step++)
        {
            await Task.Delay(10);
            await h.ProduceAsync(step, step + 1);
        }

        await WaitUntilAsync(() => h.A.Steps().Length == 40);
        Assert.InRange(h.A.Batches, 1, 20);
        await h.Pipeline.EndStageAsync(StageOutcome.Completed, CancellationToken.None);
    }

    [Fact]
    public async Task AQueueFillingUp_OrAFlushBarrier_DoNotWaitForTheDispatchInterval()
    {
        await using var h = await PipelineHarness.StartAsync(new() { ["Pipeline:DispatchInterval"] = "00:00:10", ["Pipeline:Capacity"] = "400" });
        await h.Pipeline.BeginStageAsync("train", 0, CancellationToken.None);

        // A first record wakes the idle dispatcher, which then pauses (10 s) to gather the ones after it.
        await h.ProduceAsync(0, 1);
        await Task.Delay(100);

        // A quarter of the capacity ends that pause.
        var watch = Stopwatch.StartNew();
        await h.ProduceAsync(1, 100);
        await WaitUntilAsync(() => h.A.Steps().Length == 100);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"records waited {watch.Elapsed} for the dispatcher");

        // So does a flush barrier, for a single record.
        await Task.Delay(100);
        watch.Restart();
        await h.ProduceAsync(100, 101);
        await h.Pipeline.FlushAsync(100, CancellationToken.None);
        Assert.Equal(100, h.A.FlushedThrough);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"the flush barrier waited {watch.Elapsed} for the dispatcher");

        // And the end of the stage.
        await h.ProduceAsync(101, 102);
        watch.Restart();
        await h.Pipeline.EndStageAsync(StageOutcome.Completed, CancellationToken.None);
        Assert.Equal(102, h.A.Steps().Length);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"the end of the stage waited {watch.Elapsed} for the dispatcher");
    }

    [Theory]
    [InlineData(5, 5)]
    [InlineData(5, 3)]
    public async Task StepNotAfterThePreviousOne_IsRejected_AndNotWritten(long first, long second)
    {
        await using var h = await PipelineHarness.StartAsync();
        await h.Pipeline.BeginStageAsync("train", 0, CancellationToken.None);
        await h.Pipeline.RecordAsync(PipelineHarness.Record(first), CancellationToken.None);

        var error = await Assert.ThrowsAsync<StatsPipelineException>(async () => await h.Pipeline.RecordAsync(PipelineHarness.Record(second), CancellationToken.None));
        Assert.Contains($"Step {second} of stage 'train' is not after the previous step {first}", error.Message, StringComparison.Ordinal);
        await h.Pipeline.EndStageAsync(StageOutcome.Completed, CancellationToken.None);
        Assert.Equal([first], h.A.Steps());
    }

    [Fact]
    public async Task StepBelowInitialStep_IsRejected()
    {
        await using var h = await PipelineHarness.StartAsync();
        await h.Pipeline.BeginStageAsync("train", 10, CancellationToken.None);
        await Assert.ThrowsAsync<StatsPipelineException>(async () => await h.Pipeline.RecordAsync(PipelineHarness.Record(9), CancellationToken.None));
        await h.Pipeline.EndStageAsync(StageOutcome.Completed, CancellationToken.None);
    }

    [Fact]
    public async Task Shutdown_With10000RecordsQueued_WritesAllOfThem_AndReportsNoneLeft()
    {
        await using var h = await PipelineHarness.StartAsync(
            new() { ["Pipeline:Capacity"] = "20000", ["Writers:A:QueueCapacity"] = "20000" },
            (a, _) => a.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        await h.Pipeline.BeginStageAsync("train", 0, CancellationToken.None);
        await h.ProduceAsync(0, 10_000);
        Assert.Empty(h.A.Written);

        // Ctrl+C: the host stops the pipeline without the producer ending its stage.
        h.A.Gate!.SetResult();
        using var timeout = new CancellationTokenSource(Patience);
        await h.Pipeline.StopAsync(timeout.Token);

        Assert.Equal(10_000, h.A.Steps().Length);
        Assert.Equal(StageOutcome.Interrupted, h.A.LastOutcome);
        var summary = Assert.Single(h.Pipeline.Summaries, s => s.Writer == "A");
        Assert.Equal((10_000L, 0L, 0L), (summary.Written, summary.Failed, summary.StillQueued));
        Assert.Contains(h.Logs.GetSnapshot(), l => l.Message == "Writer A: 10000 written, 0 dropped, 0 failed, 0 still queued");
    }

    [Fact]
    public async Task ShutdownTimeout_ReportsWhatIsStillQueued_Loudly()
    {
        await using var h = await PipelineHarness.StartAsync(arrange: (a, _) => a.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        await h.Pipeline.BeginStageAsync("train", 0, CancellationToken.None);
        await h.ProduceAsync(0, 50);

        using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await h.Pipeline.StopAsync(timeout.Token);

        var summary = Assert.Single(h.Pipeline.Summaries, s => s.Writer == "A");
        Assert.Equal(0, summary.Written);
        Assert.Equal(50, summary.Failed + summary.StillQueued);
        Assert.Contains(h.Logs.GetSnapshot(), l => l.Level == LogLevel.Error && l.Message.Contains("shutdown timeout", StringComparison.Ordinal));
        Assert.Equal(50, h.B.Steps().Length);
    }

    [Fact]
    public async Task NonMasterProcess_OpensNoWriter_AndWritesNothing()
    {
        await using var h = await PipelineHarness.StartAsync(new() { ["Distributed:ProcessIndex"] = "1" });
        var recorder = h.Services.GetRequiredService<IStatsRecorder>();
        await recorder.BeginStageAsync("train", 0, CancellationToken.None);
        for (var step = 0; step < 100; step++)
        {
            await recorder.RecordAsync(PipelineHarness.Record(step), CancellationToken.None);
        }

        await recorder.FlushAsync(99, CancellationToken.None);
        await recorder.EndStageAsync(StageOutcome.Completed, CancellationToken.None);

        Assert.Equal(0, h.A.Opened);
        Assert.Empty(h.A.Written);
    }

    [Fact]
    public async Task DisabledWriter_IsNeverOpened()
    {
        await using var h = await PipelineHarness.StartAsync(new() { ["Writers:B:Enabled"] = "false" });
        await h.Pipeline.BeginStageAsync("train", 0, CancellationToken.None);
        await h.ProduceAsync(0, 10);
        await h.Pipeline.EndStageAsync(StageOutcome.Completed, CancellationToken.None);

        Assert.Equal(0, h.B.Opened);
        Assert.Equal(10, h.A.Steps().Length);
    }

    [Fact]
    public async Task WrittenCounter_IsObservablePerWriter()
    {
        await using var h = await PipelineHarness.StartAsync();
        using var collector = new MetricCollector<long>(h.Services.GetRequiredService<PipelineMetrics>().Written);
        await h.Pipeline.BeginStageAsync("train", 0, CancellationToken.None);
        await h.ProduceAsync(0, 123);
        await h.Pipeline.EndStageAsync(StageOutcome.Completed, CancellationToken.None);

        var byWriter = collector.GetMeasurementSnapshot().GroupBy(m => (string)m.Tags["writer"]!).ToDictionary(g => g.Key, g => g.Sum(m => m.Value));
        Assert.Equal(123, byWriter["A"]);
        Assert.Equal(123, byWriter["B"]);

        using var enqueued = new MetricCollector<long>(h.Services.GetRequiredService<PipelineMetrics>().Meter, "jaqmc.writer.records.enqueued");
        enqueued.RecordObservableInstruments();
        Assert.Equal(123, enqueued.LastMeasurement!.Value);
    }

    [Fact]
    public async Task FlushInterval_BoundsHowLongWrittenRecordsStayUnflushed_EvenWhileRecordsKeepComing()
    {
        var interval = TimeSpan.FromMilliseconds(200);
        await using var h = await PipelineHarness.StartAsync(new() { ["Writers:A:FlushInterval"] = "00:00:00.200" });
        var watch = Stopwatch.StartNew();
        await h.Pipeline.BeginStageAsync("train", 0, CancellationToken.None);

        // A steady trickle, kept up until two flushes happened while it went on (however slowly the machine runs it).
        var produced = 0;
        while (Volatile.Read(ref h.A.Flushes) < 2)
        {
            Assert.True(watch.Elapsed < Patience, $"no two flushes within {Patience} of a steady trickle ({produced} records)");
            await h.Pipeline.RecordAsync(PipelineHarness.Record(produced++), CancellationToken.None);
            await Task.Delay(5);
        }

        // Flushed data is really flushed, and never more often than once per FlushInterval (not once per record).
        var elapsed = watch.Elapsed;
        Assert.True(h.A.FlushedThrough >= 0);
        Assert.True(Volatile.Read(ref h.A.Flushes) <= (elapsed / interval) + 1, $"{h.A.Flushes} flushes in {elapsed}");
        await h.Pipeline.EndStageAsync(StageOutcome.Completed, CancellationToken.None);
    }

    [Fact]
    public async Task ShutdownDeadline_WakesAProducerWaitingOnAStalledWriter_WithAnError()
    {
        await using var h = await PipelineHarness.StartAsync(
            new() { ["Writers:A:QueueCapacity"] = "2", ["Pipeline:Capacity"] = "2" },
            (a, _) => a.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        await h.Pipeline.BeginStageAsync("train", 0, CancellationToken.None);
        var producing = h.ProduceAsync(0, 100);
        await Task.Delay(200);
        Assert.False(producing.IsCompleted, "the producer should be waiting on the stalled writer");

        using var deadline = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await h.Pipeline.StopAsync(deadline.Token);

        await Assert.ThrowsAsync<StatsPipelineException>(() => producing.WaitAsync(Patience));
        var summary = Assert.Single(h.Pipeline.Summaries, s => s.Writer == "A");
        Assert.True(summary.Failed + summary.StillQueued > 0);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(watch.Elapsed < Patience, "condition not reached in time");
            await Task.Delay(10);
        }
    }
}
