using System.Diagnostics.Metrics;
using Jaqmc.Service;
using Jaqmc.Service.Pipeline;
using Jaqmc.Service.Spool;
using Jaqmc.Sinks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using SpoolStore = Jaqmc.Service.Spool.Spool;

namespace Jaqmc.Tests.Service.Spool;

/// <summary>The spool's files and its uploader, in process: what is appended is replayed in order, exactly once per segment.</summary>
public sealed class SpoolTests : IDisposable
{
    private static readonly StatsKeys Keys = new("total_energy", "energy:kinetic", "a \"quoted\", key", "ключ");
    private static readonly WriterContext Train = new("/runs/x", "train", 0, "run-x", """{"Training":{"Seed":7}}""");

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "jaqmc-tests", "spool", Guid.NewGuid().ToString("N"));
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    [Fact]
    public async Task Uploader_ReplaysOpenBatchesAndClose_InOrder_BitExact_AndDeletesTheSegments()
    {
        var log = new RemoteCallLog();
        using (var spool = Open())
        {
            using var appender = new SpoolAppender(spool, TimeProvider.System);
            appender.AppendOpen(Train);
            AppendRecords(appender, 0, 100);
            AppendRecords(appender, 100, 50);
            appender.AppendClose(StageOutcome.Completed);
            appender.Seal();
            Assert.Equal(150, spool.Backlog);
            await DrainAsync(spool, log);
            Assert.Equal(0, spool.Backlog);
            Assert.Equal(0, spool.Bytes);
        }

        Assert.Equal(["open train 0 run-x", "write 0..149", "close Completed"], log.Calls);
        AssertRecords(log.Records, 0, 150);
        Assert.Empty(Directory.GetFiles(_directory, "*.seg"));
    }

    [Fact]
    public async Task SegmentsLeftByAnEarlierProcess_ReplayFromTheMiddleOfAStage_WithoutDiscarding()
    {
        using (var spool = Open(segmentBytes: 4096))
        {
            using var appender = new SpoolAppender(spool, TimeProvider.System);
            appender.AppendOpen(Train with { InitialStep = 7 });
            for (var step = 7; step < 207; step += 10)
            {
                AppendRecords(appender, step, 10);
            }

            // No close: the process was killed mid-stage.
            appender.Flush();
        }

        var segments = Directory.GetFiles(_directory, "*.seg").Order(StringComparer.Ordinal).ToArray();
        Assert.True(segments.Length >= 3, $"expected the stage to span several segments, got {segments.Length}");

        // The first segment was uploaded (and deleted) by the earlier process.
        File.Delete(segments[0]);
        var log = new RemoteCallLog();
        using (var spool = Open(segmentBytes: 4096))
        {
            await DrainAsync(spool, log);
        }

        Assert.Equal("continue train 7 run-x", log.Calls[0]);
        Assert.DoesNotContain(log.Calls, c => c.StartsWith("open", StringComparison.Ordinal));
        var first = log.Records[0].Step;
        Assert.True(first > 7, "the continued stage started with records of the deleted segment");
        AssertRecords(log.Records, first, 207 - (int)first);
    }

    [Fact]
    public async Task TornOrDamagedFrames_EndTheirSegment_AndWholeFramesBeforeThemUpload()
    {
        using (var spool = Open())
        {
            using var appender = new SpoolAppender(spool, TimeProvider.System);
            appender.AppendOpen(Train);
            AppendRecords(appender, 0, 30);
            appender.Seal();
        }

        var segment = Directory.GetFiles(_directory, "*.seg").Single();

        // A frame whose write was cut short by a kill: a header promising more bytes than follow.
        await using (var file = new FileStream(segment, FileMode.Append))
        {
            file.Write([200, 0, 0, 0, 1, 2, 3, 4, 3, 9, 9]);
        }

        var log = new RemoteCallLog();
        using (var spool = Open())
        {
            Assert.Equal(30, spool.Backlog);
            await DrainAsync(spool, log);
        }

        Assert.Equal(["open train 0 run-x", "write 0..29"], log.Calls);
        AssertRecords(log.Records, 0, 30);

        // A flipped bit inside a frame: its checksum fails and nothing of it (or after it) is replayed.
        using (var spool = Open())
        {
            using var appender = new SpoolAppender(spool, TimeProvider.System);
            appender.AppendOpen(Train);
            AppendRecords(appender, 0, 30);
            appender.Seal();
        }

        segment = Directory.GetFiles(_directory, "*.seg").Single();
        var bytes = File.ReadAllBytes(segment);
        bytes[^20] ^= 0x10;
        File.WriteAllBytes(segment, bytes);
        log = new RemoteCallLog();
        using (var spool = Open())
        {
            Assert.Equal(0, spool.Backlog);
            await DrainAsync(spool, log);
        }

        Assert.Equal(["open train 0 run-x"], log.Calls);
    }

    [Theory]
    [InlineData(PipelineFullMode.DropNewest)]
    [InlineData(PipelineFullMode.Fail)]
    public async Task FullSpool_DropsCountingOrFails_AsFullModeSays(PipelineFullMode mode)
    {
        using var spool = Open(maxBytes: 64 * 1024);
        using var appender = new SpoolAppender(spool, TimeProvider.System);
        await using var writer = new SpoolingWriter(spool, appender, mode, new PipelineMetrics(_services.GetRequiredService<IMeterFactory>()), NullLogger.Instance);
        await writer.OpenAsync(Train, CancellationToken.None);
        var step = 0;

        async Task WriteUntilFullAsync()
        {
            // 1,000 batches of 10 records of 4 keys are 480 KB: far past the bound.
            for (var b = 0; b < 1000; b++, step += 10)
            {
                await writer.WriteAsync(Batch(step, 10), CancellationToken.None);
            }
        }

        if (mode == PipelineFullMode.Fail)
        {
            var error = await Assert.ThrowsAsync<PermanentWriterException>(WriteUntilFullAsync);
            Assert.Contains("Spool:MaxBytes=65536", error.Message, StringComparison.Ordinal);
        }
        else
        {
            await WriteUntilFullAsync();
            Assert.True(spool.Dropped > 0, "nothing was counted as dropped");
            Assert.Equal(10_000, spool.Dropped + spool.Backlog);
        }

        Assert.True(spool.Bytes <= 64 * 1024, $"the spool holds {spool.Bytes} bytes, past its bound");
    }

    public void Dispose()
    {
        _services.Dispose();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static List<StatsRecord> Batch(long first, int count) =>
        Enumerable.Range(0, count).Select(i => new StatsRecord("train", first + i, Keys, Values(first + i))).ToList();

    private static double[] Values(long step) => [step * 0.5, double.NaN, step % 2 == 0 ? double.PositiveInfinity : -0.0, -step * 1e-300];

    private static void AppendRecords(SpoolAppender appender, long first, int count)
    {
        appender.PrepareRecords(Batch(first, count), 0, count);
        appender.AppendPrepared();
    }

    private static void AssertRecords(List<StatsRecord> records, long first, int count)
    {
        Assert.Equal(count, records.Count);
        for (var i = 0; i < count; i++)
        {
            Assert.Equal(first + i, records[i].Step);
            Assert.Equal(Keys, records[i].Keys);
            Assert.Equal(Values(first + i).Select(BitConverter.DoubleToInt64Bits), records[i].Values.Select(BitConverter.DoubleToInt64Bits));
        }
    }

    private SpoolStore Open(long maxBytes = 1L << 30, long segmentBytes = 16L << 20)
    {
        var spool = new SpoolStore("Remote", _directory, new SpoolOptions { MaxBytes = maxBytes, SegmentBytes = segmentBytes }, TimeProvider.System);
        spool.Open();
        return spool;
    }

    private async Task DrainAsync(SpoolStore spool, RemoteCallLog log)
    {
        var uploader = new SpoolUploader(spool, log.Create, new WriterOptions(), new PipelineMetrics(_services.GetRequiredService<IMeterFactory>()), NullLogger.Instance, TimeProvider.System);
        Exception? fault = null;
        uploader.StopWhenEmpty();
        uploader.Start(e => fault = e, CancellationToken.None);
        await uploader.Completion.WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Null(fault);
    }
}
