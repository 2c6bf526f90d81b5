using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using Jaqmc.Service;
using Jaqmc.Service.Pipeline;
using Jaqmc.Service.Spool;
using Jaqmc.Sinks;
using Jaqmc.Sinks.Postgres;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jaqmc.Benchmarks;

/// <summary>
/// <c>spool</c>: what the PostgreSQL writer's spool costs and how fast it drains. (1) Appending 20-key records
/// through the spool's writer (encode, checksum, one write call per frame), per record, for batches of 1, 20 and
/// 4,096 records, and an fsync (a flush) after a batch of 20. (2) With <c>TEST_POSTGRES_CONNECTION</c>: a backlog of
/// <c>--records</c> He records (11 keys; default 300,000 = 10 minutes at 500 steps/s) drained by the uploader into a
/// fresh schema, side by side with today's writer writing the same records directly, alternating; medians.
/// </summary>
internal static class SpoolCommand
{
    private static readonly StatsKeys Keys20 = new(Enumerable.Range(0, 20).Select(i => $"key_{i:D2}"));
    private static readonly StatsKeys KeysHe = new(
        "energy:kinetic", "energy:kinetic_var", "energy:potential", "energy:potential_var", "loss", "pmove",
        "total_energy", "total_energy_var", "energy:electron_nucleus", "energy:electron_electron", "width");

    public static async Task<int> RunAsync(string[] args)
    {
        var repeat = CommandHelpers.Option(args, "--repeat", 5);
        var records = CommandHelpers.Option(args, "--records", 300_000);
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new PipelineMetrics(services.GetRequiredService<IMeterFactory>());
        var root = Path.Combine(Path.GetTempPath(), "jaqmc-bench-spool-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            Console.WriteLine($"Spool append, 20 keys, {repeat} runs of 200,000 records each (medians):");
            foreach (var batch in (int[])[1, 20, 4096])
            {
                var wall = new List<double>();
                var cpu = new List<double>();
                for (var r = 0; r < repeat; r++)
                {
                    var (w, c) = await AppendAsync(Path.Combine(root, $"append-{batch}-{r}"), batch, 200_000, metrics);
                    wall.Add(w);
                    cpu.Add(c);
                }

                Console.WriteLine(Invariant(
                    $"  batches of {batch,5}: {CommandHelpers.Median(wall) * 1e9:F0} ns/record wall, {CommandHelpers.Median(cpu) * 1e9:F0} ns/record CPU (wall runs {string.Join(", ", wall.Select(v => (v * 1e9).ToString("F0", CultureInfo.InvariantCulture)))})"));
            }

            var fsync = Fsyncs(Path.Combine(root, "fsync"), 200, metrics);
            Console.WriteLine(Invariant($"  flush (fsync) after a batch of 20: median {CommandHelpers.Median(fsync) * 1e3:F2} ms, quartiles {CommandHelpers.Quantile(fsync, 0.25) * 1e3:F2}/{CommandHelpers.Quantile(fsync, 0.75) * 1e3:F2} ms ({fsync.Count} flushes)"));

            if (Environment.GetEnvironmentVariable("TEST_POSTGRES_CONNECTION") is not { Length: > 0 } connection)
            {
                Console.WriteLine("Upload: skipped (set TEST_POSTGRES_CONNECTION, e.g. eval \"$(scripts/test-postgres.sh start)\").");
                return 0;
            }

            Console.WriteLine(Invariant($"Upload of a {records:N0}-record He backlog (11 keys) into PostgreSQL, batches of 4,096, uploader vs today's writer alternating:"));
            // Warm-up: both paths' code compiled and optimised, the server's caches warm.
            for (var w = 0; w < 3; w++)
            {
                await DrainAsync(Path.Combine(root, $"warm-{w}"), connection, 20_000, metrics);
                await DirectAsync(connection, 20_000);
            }

            var uploads = new List<double>();
            var direct = new List<double>();
            for (var r = 0; r < Math.Max(1, repeat / 2); r++)
            {
                uploads.Add(await DrainAsync(Path.Combine(root, $"drain-{r}"), connection, records, metrics));
                direct.Add(await DirectAsync(connection, records));
                Console.WriteLine(Invariant($"  run {r + 1}: uploader {records / uploads[^1]:N0} records/s ({uploads[^1]:F1} s), direct writer {records / direct[^1]:N0} records/s ({direct[^1]:F1} s)"));
            }

            Console.WriteLine(Invariant($"  median: uploader {records / CommandHelpers.Median(uploads):N0} records/s, drain of the backlog {CommandHelpers.Median(uploads):F1} s; direct writer {records / CommandHelpers.Median(direct):N0} records/s"));
            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>
    /// Seconds per record, wall clock and CPU of the process (steadier on a busy machine), to append
    /// <paramref name="total"/> records in batches of <paramref name="batch"/>.
    /// </summary>
    private static async Task<(double Wall, double Cpu)> AppendAsync(string directory, int batch, int total, PipelineMetrics metrics)
    {
        using var spool = OpenSpool(directory);
        using var appender = new SpoolAppender(spool, TimeProvider.System);
        await using var writer = new SpoolingWriter(spool, appender, PipelineFullMode.Wait, metrics, NullLogger.Instance);
        await writer.OpenAsync(new WriterContext(directory, "train", 0, "bench"), CancellationToken.None);
        var batches = Batches(Keys20, total, batch);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        foreach (var b in batches)
        {
            await writer.WriteAsync(b, CancellationToken.None);
        }

        clock.Stop();
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        return (clock.Elapsed.TotalSeconds / total, cpu.TotalSeconds / total);
    }

    private static List<double> Fsyncs(string directory, int count, PipelineMetrics metrics)
    {
        using var spool = OpenSpool(directory);
        using var appender = new SpoolAppender(spool, TimeProvider.System);
        appender.AppendOpen(new WriterContext(directory, "train", 0, "bench"));
        var seconds = new List<double>();
        foreach (var b in Batches(Keys20, count * 20, 20))
        {
            appender.PrepareRecords(b, 0, b.Count);
            appender.AppendPrepared();
            var clock = Stopwatch.StartNew();
            appender.Flush();
            seconds.Add(clock.Elapsed.TotalSeconds);
        }

        GC.KeepAlive(metrics);
        return seconds;
    }

    /// <summary>Seconds for the uploader to drain a spool of <paramref name="records"/> He records into a fresh schema.</summary>
    private static async Task<double> DrainAsync(string directory, string connection, int records, PipelineMetrics metrics)
    {
        using (var spool = OpenSpool(directory))
        {
            using var appender = new SpoolAppender(spool, TimeProvider.System);
            appender.AppendOpen(new WriterContext(directory, "train", 0, "bench-upload"));
            foreach (var b in Batches(KeysHe, records, 4096))
            {
                appender.PrepareRecords(b, 0, b.Count);
                appender.AppendPrepared();
            }

            appender.AppendClose(StageOutcome.Completed);
            appender.Seal();
        }

        var options = Options(connection);
        using var reopened = OpenSpool(directory);
        var uploader = new SpoolUploader(reopened, () => new PostgresStatsWriter(options, NullLogger<PostgresStatsWriter>.Instance), options, metrics, NullLogger.Instance, TimeProvider.System);
        uploader.StopWhenEmpty();
        var clock = Stopwatch.StartNew();
        uploader.Start(e => throw new InvalidOperationException("upload failed", e), CancellationToken.None);
        await uploader.Completion;
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>Seconds for today's writer to write the same records straight into a fresh schema.</summary>
    private static async Task<double> DirectAsync(string connection, int records)
    {
        await using var writer = new PostgresStatsWriter(Options(connection), NullLogger<PostgresStatsWriter>.Instance);
        await writer.OpenAsync(new WriterContext(Path.GetTempPath(), "train", 0, "bench-direct"), CancellationToken.None);
        var batches = Batches(KeysHe, records, 4096);
        var clock = Stopwatch.StartNew();
        foreach (var b in batches)
        {
            await writer.WriteAsync(b, CancellationToken.None);
        }

        await writer.CloseAsync(StageOutcome.Completed, CancellationToken.None);
        return clock.Elapsed.TotalSeconds;
    }

    private static PostgresWriterOptions Options(string connection) => new()
    {
        Enabled = true,
        ConnectionString = connection,
        Schema = "bench_" + Guid.NewGuid().ToString("N")[..8],
    };

    private static Spool OpenSpool(string directory)
    {
        var spool = new Spool("Postgres", directory, new SpoolOptions(), TimeProvider.System);
        spool.Open();
        return spool;
    }

    private static List<List<StatsRecord>> Batches(StatsKeys keys, int total, int size)
    {
        var random = new Random(1);
        return Enumerable.Range(0, (total + size - 1) / size)
            .Select(b => Enumerable.Range(b * size, Math.Min(size, total - (b * size)))
                .Select(step => new StatsRecord("train", step, keys, Enumerable.Range(0, keys.Count).Select(_ => random.NextDouble()).ToArray()))
                .ToList())
            .ToList();
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
