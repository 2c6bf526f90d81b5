using System.Buffers.Binary;
using Jaqmc.Sinks;
using Jaqmc.Sinks.Hdf5;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jaqmc.Tests.Sinks.Hdf5;

/// <summary>
/// A SIGKILL can cut a write between two 4 KiB pages. A chunk index node cut that way makes HDF5 miss old chunks,
/// whose rows then read as NaN although every dataset covers them (the crash test's "rows before the shortest
/// length differ"). So no chunk index node of a file being appended to may straddle a page boundary, whether the
/// file was started afresh or rewritten by a resume.
/// </summary>
public sealed class Hdf5TornWriteTests : IDisposable
{
    // A v1 B-tree node of a one-dimensional chunked dataset: 24-byte header, 65 keys of 24 bytes, 64 child addresses.
    private const int ChunkIndexNodeBytes = 2096;
    private const int Page = 4096;

    private static readonly StatsKeys Keys = new(Enumerable.Range(0, 20).Select(i => $"k{i:00}"));

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "jaqmc-tests", nameof(Hdf5TornWriteTests), Guid.NewGuid().ToString("N"));

    private string H5Path => Path.Combine(_directory, "train_stats.h5");

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(9_000L)]
    public async Task AnAppendedFile_HasNoChunkIndexNodeAcrossAPageBoundary(long resumeAt)
    {
        // Small chunks give each dataset several chunks, so each node is rewritten many times while the file grows.
        var options = new Hdf5WriterOptions { ChunkSize = 256, CompactSmallFiles = false };
        await WriteAsync(options, 0, 12_000);
        if (resumeAt > 0)
        {
            await WriteAsync(options, resumeAt, 14_000);
        }

        var nodes = ChunkIndexNodes(await File.ReadAllBytesAsync(H5Path));
        Assert.True(nodes.Count >= 21, $"found only {nodes.Count} chunk index nodes: the scan does not see the layout");
        var torn = nodes.Where(a => a / Page != (a + ChunkIndexNodeBytes - 1) / Page).ToList();
        Assert.True(torn.Count == 0, $"chunk index nodes across a page boundary at {string.Join(", ", torn)} of {nodes.Count}");
        Assert.Equal(Enumerable.Range(0, resumeAt > 0 ? 14_000 : 12_000).Select(s => (long)s), Hdf5StatsReader.Read(H5Path).Steps);
    }

    /// <summary>Addresses of the leaf nodes of chunk indexes: signature "TREE", node type 1, level 0.</summary>
    private static List<long> ChunkIndexNodes(byte[] file)
    {
        var nodes = new List<long>();
        var signature = "TREE"u8;
        for (var at = file.AsSpan().IndexOf(signature); at >= 0;)
        {
            if (at + 8 <= file.Length && file[at + 4] == 1 && file[at + 5] == 0 && BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(at + 6)) <= 64)
            {
                nodes.Add(at);
            }

            var next = file.AsSpan(at + 1).IndexOf(signature);
            at = next < 0 ? -1 : at + 1 + next;
        }

        return nodes;
    }

    private async Task WriteAsync(Hdf5WriterOptions options, long initialStep, int to)
    {
        await using var writer = new Hdf5StatsWriter(options, NullLogger<Hdf5StatsWriter>.Instance);
        await writer.OpenAsync(new WriterContext(_directory, "train", initialStep, "torn"), CancellationToken.None);
        for (var from = initialStep; from < to; from += 700)
        {
            var batch = Enumerable.Range((int)from, (int)Math.Min(700, to - from))
                .Select(s => new StatsRecord("train", s, Keys, [.. Enumerable.Range(0, Keys.Count).Select(i => (s * 0.5) + (i * 1e-3))]))
                .ToList();
            await writer.WriteAsync(batch, CancellationToken.None);
            await writer.FlushAsync(CancellationToken.None);
        }

        await writer.CloseAsync(StageOutcome.Interrupted, CancellationToken.None);
    }
}
