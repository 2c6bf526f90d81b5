using Jaqmc.Sinks;

namespace Jaqmc.Service.Pipeline;

/// <summary>
/// Records moved from the pipeline's channel to the writers' queues in one operation. One chunk is shared by every
/// writer (read-only) and goes back to its pool when the last writer has taken its records, so dispatching
/// allocates nothing in the steady state.
/// </summary>
internal sealed class RecordChunk
{
    private readonly ChunkPool? _pool;
    private int _holders;

    /// <param name="pool">Where the chunk returns; null for a small one-off chunk left to the GC.</param>
    /// <param name="capacity">The most records it holds.</param>
    public RecordChunk(ChunkPool? pool, int capacity)
    {
        _pool = pool;
        Items = new StatsRecord[capacity];
    }

    public StatsRecord[] Items { get; }

    public int Count { get; set; }

    /// <summary>Hands the chunk to <paramref name="holders"/> writers; each calls <see cref="Release"/> once.</summary>
    public void Share(int holders) => Volatile.Write(ref _holders, holders);

    public void Release()
    {
        if (Interlocked.Decrement(ref _holders) == 0)
        {
            _pool?.Return(this);
        }
    }
}

/// <summary>Reusable <see cref="RecordChunk"/>s.</summary>
internal sealed class ChunkPool(int chunkSize)
{
    /// <summary>Chunks kept for reuse at most; a backlog beyond that is left to the GC once written.</summary>
    private const int MaxKept = 64;

    private readonly System.Collections.Concurrent.ConcurrentBag<RecordChunk> _free = [];

    public RecordChunk Rent() => _free.TryTake(out var chunk) ? chunk : new RecordChunk(this, chunkSize);

    public void Return(RecordChunk chunk)
    {
        // Drop references to the value arrays so they can be collected.
        Array.Clear(chunk.Items, 0, chunk.Count);
        chunk.Count = 0;
        if (_free.Count < MaxKept)
        {
            _free.Add(chunk);
        }
    }
}
