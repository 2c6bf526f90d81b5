using BenchmarkDotNet.Attributes;
using Jaqmc.Sinks;
using Jaqmc.Sinks.Hdf5;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jaqmc.Benchmarks;

/// <summary>
/// Records per second of the HDF5 writer: 100,000 records of 20 keys per operation, handed over in batches of
/// 1,000 as the pipeline does, into a fresh file. Records/s = <see cref="Records"/> / median.
/// <c>FlushEveryBatch</c> = true calls FlushAsync after every batch (the worst case: the pipeline flushes at most
/// once per FlushInterval); false leaves flushing to the ChunkSize threshold and close.
/// Run: <c>dotnet run -c Release --project bench/Jaqmc.Benchmarks -- --filter *Hdf5Writer* --job short</c>.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[Config(typeof(Config))]
public class Hdf5WriterBenchmarks
{
    public const int Records = 100_000;
    private const int BatchSize = 1_000;
    private const int KeyCount = 20;

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "jaqmc-bench-hdf5", Guid.NewGuid().ToString("N"));
    private StatsRecord[][] _batches = [];

    private sealed class Config : BenchmarkDotNet.Configs.ManualConfig
    {
        public Config() => AddColumn(new RecordsPerSecondColumn(Records));
    }

    [Params(false, true)]
    public bool FlushEveryBatch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Directory.CreateDirectory(_directory);
        var keys = new StatsKeys(Enumerable.Range(0, KeyCount).Select(i => i == 0 ? "energy:kinetic" : $"stat_{i:00}"));
        _batches = Enumerable.Range(0, Records / BatchSize)
            .Select(b => Enumerable.Range(b * BatchSize, BatchSize)
                .Select(s => new StatsRecord("bench", s, keys, Enumerable.Range(0, KeyCount).Select(i => Math.Sin(s + i)).ToArray()))
                .ToArray())
            .ToArray();
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_directory, recursive: true);

    [Benchmark]
    public async Task<long> Write100kRecordsOf20Keys()
    {
        await using var writer = new Hdf5StatsWriter(new Hdf5WriterOptions(), NullLogger<Hdf5StatsWriter>.Instance);
        await writer.OpenAsync(new WriterContext(_directory, "bench", 0, "bench"), CancellationToken.None);
        foreach (var batch in _batches)
        {
            await writer.WriteAsync(batch, CancellationToken.None);
            if (FlushEveryBatch)
            {
                await writer.FlushAsync(CancellationToken.None);
            }
        }

        await writer.CloseAsync(StageOutcome.Completed, CancellationToken.None);
        return new FileInfo(writer.FilePath).Length;
    }
}
