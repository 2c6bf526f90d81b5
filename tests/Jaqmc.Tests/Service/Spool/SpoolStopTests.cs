using Jaqmc.Service;
using Jaqmc.Service.Hosting;
using Jaqmc.Service.Pipeline;
using Jaqmc.Sinks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Jaqmc.Tests.Service.Spool;

/// <summary>
/// What a run's end leaves of a spooled writer's backlog: everything, status included, while the store answers,
/// even when the uploader was waiting out a long backoff; one line saying what stays when it does not.
/// </summary>
public sealed class SpoolStopTests : IAsyncDisposable
{
    // Far longer than any test may take: a stop that slept out the backoff, or waited for the deadline, would show.
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(30);
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);
    private static readonly StatsKeys Keys = new("total_energy", "pmove");

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "jaqmc-tests", "spool-stop", Guid.NewGuid().ToString("N"));
    private readonly FlakyRemoteStore _store = new();
    private ServiceProvider? _services;

    [Fact]
    public async Task ARunThatEndsAfterAnOutage_UploadsEveryRecordAndItsStatus_WithoutSleepingOutTheBackoff()
    {
        var pipeline = await StartAsync();
        await RecordStageAsync(pipeline, 1000);
        await WaitUntilAsync(() => Volatile.Read(ref _store.Failures) > 0, "the uploader never tried the store");

        // The store is back while the uploader sleeps a 30-minute backoff; the run ends now.
        _store.Up = true;
        await pipeline.EndStageAsync(StageOutcome.Completed, CancellationToken.None);
        await pipeline.StopAsync(Long).WaitAsync(Patience);

        Assert.Equal(Enumerable.Range(0, 1000).Select(s => (long)s), _store.Steps);
        Assert.Equal(["running", "Completed"], _store.Statuses);
        Assert.DoesNotContain(Logs.GetSnapshot(), r => r.Message.Contains("are spooled", StringComparison.Ordinal));
        Assert.True(SpoolBacklog.Read(SpoolDirectory).IsEmpty, "the spool still holds frames after a complete upload");
    }

    [Fact]
    public async Task ARunThatEndsWhileTheStoreIsUnreachable_StopsAfterOneMoreAttempt_AndSaysWhatStaysSpooled()
    {
        var pipeline = await StartAsync();
        await RecordStageAsync(pipeline, 1000);
        await WaitUntilAsync(() => Volatile.Read(ref _store.Failures) > 0, "the uploader never tried the store");
        var failuresBeforeStop = Volatile.Read(ref _store.Failures);

        await pipeline.EndStageAsync(StageOutcome.Completed, CancellationToken.None);
        await pipeline.StopAsync(Long).WaitAsync(Patience);

        Assert.True(Volatile.Read(ref _store.Failures) > failuresBeforeStop, "the stop gave up without trying the store again");
        var line = Assert.Single(Logs.GetSnapshot(), r => r.Message.Contains("are spooled", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Warning, line.Level);
        Assert.Contains("1000 record(s) and 2 stage open/close frame(s) are spooled", line.Message, StringComparison.Ordinal);
        Assert.Contains("jaqmc sync", line.Message, StringComparison.Ordinal);
        var backlog = SpoolBacklog.Read(SpoolDirectory);
        Assert.Equal((1000L, 2L), (backlog.Records, backlog.StageChanges));
    }

    [Fact]
    public async Task OnlyAStatusLeftInTheSpool_CountsAsABacklog_AndTheNextStartUploadsIt()
    {
        var pipeline = await StartAsync();
        _store.Up = true;
        await RecordStageAsync(pipeline, 10);
        await WaitUntilAsync(() => _store.Steps.Count == 10, "the records were not uploaded");

        // The store goes away just before the stage's close: only the status is left to upload.
        _store.Up = false;
        await pipeline.EndStageAsync(StageOutcome.Completed, CancellationToken.None);
        await pipeline.StopAsync(Long).WaitAsync(Patience);
        var line = Assert.Single(Logs.GetSnapshot(), r => r.Message.Contains("are spooled", StringComparison.Ordinal));
        Assert.Contains("0 record(s) and 1 stage open/close frame(s)", line.Message, StringComparison.Ordinal);
        await _services!.DisposeAsync();
        _services = null;

        // Read from the files (show, runs, sync), the segment counts whole until it is deleted: it is replayed whole.
        var left = SpoolBacklog.Read(SpoolDirectory);
        Assert.False(left.IsEmpty, "a spool holding only a stage's close reads as empty");
        Assert.Equal((10L, 2L), (left.Records, left.StageChanges));

        _store.Up = true;
        pipeline = await StartAsync();
        await pipeline.StopAsync(Long).WaitAsync(Patience);

        // The segment is replayed whole (its open and records again, idempotent in a real store), then the close.
        Assert.Equal("Completed", _store.Statuses.Last());
        Assert.Equal(Enumerable.Range(0, 10).Select(s => (long)s), _store.Steps.Distinct().Order());
        Assert.True(SpoolBacklog.Read(SpoolDirectory).IsEmpty);
    }

    public async ValueTask DisposeAsync()
    {
        if (_services is not null)
        {
            await _services.DisposeAsync();
        }

        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private string SpoolDirectory => Path.Combine(_directory, "spool", "Remote");

    private FakeLogCollector Logs => _services!.GetFakeLogCollector();

    private async Task<StatsPipeline> StartAsync()
    {
        var config = new Dictionary<string, string?>
        {
            ["Run:WorkingDirectory"] = _directory,
            ["Writers:Remote:Spool:Enabled"] = "true",
            ["Writers:Remote:Retry:BaseDelay"] = Long.ToString(),
            ["Writers:Remote:Retry:MaxDelay"] = Long.ToString(),
        };
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(config).Build());
        services.AddLogging(l => l.AddFakeLogging());
        services.AddStatsPipeline();
        services.AddStatsWriter<FlakyRemoteWriter, FlakyRemoteWriterOptions>("Remote", o => o.Store = _store);
        _services = services.BuildServiceProvider(validateScopes: true);
        foreach (var service in _services.GetServices<IHostedService>())
        {
            await service.StartAsync(CancellationToken.None);
        }

        return _services.GetRequiredService<StatsPipeline>();
    }

    private static async Task RecordStageAsync(StatsPipeline pipeline, int steps)
    {
        await pipeline.BeginStageAsync("train", 0, CancellationToken.None);
        for (var step = 0; step < steps; step++)
        {
            await pipeline.RecordAsync(new StatsRecord("train", step, Keys, [-2.9 + step, 0.5]), CancellationToken.None);
        }

        // The flush barrier completes once the records are in the spool, whether or not the store answers.
        await pipeline.FlushAsync(steps - 1, CancellationToken.None).AsTask().WaitAsync(Patience);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string failure)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(10);
        }
    }
}
