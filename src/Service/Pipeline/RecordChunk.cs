using System.Collections.Concurrent;
using Jaqmc.Sinks;

namespace Jaqmc.Service.Pipeline;

/// <summary>
/// Records moved from the pipeline's channel to the writers' queues in one operation. One chunk is shared by every
/// writer (read-only) and goes back to its pool when the last writer has taken its records, so dispatching
/// allocates nothing in the steady state.
/// </summary>
internal sealed class RecordChunk
{
    private readonly ChunkPool _pool;
    private int _holders;

    public RecordChunk(ChunkPool pool, int capacity)
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
            _pool.Return(this);
        }
    }
}

/// <summary>
/// Reusable <see cref="RecordChunk"/>s in a few size classes, so a trickle of records (a chunk per record while a
/// writer is down) holds small chunks, and a burst moves up to the largest size in one operation.
/// </summary>
internal sealed class ChunkPool
{
    /// <summary>Chunks kept for reuse per size class at most; more are left to the GC once written.</summary>
    private const int MaxKeptPerClass = 64;

    private static readonly int[] Sizes = [8, 64, 512];

    private readonly ConcurrentQueue<RecordChunk>[] _free = [new(), new(), new()];
    private readonly int[] _kept = new int[Sizes.Length];

    /// <summary>The largest chunk.</summary>
    public static int MaxChunk => Sizes[^1];

    /// <summary>A chunk for about <paramref name="waiting"/> records (the largest size when more are waiting).</summary>
    public RecordChunk Rent(int waiting)
    {
        var c = ClassOf(waiting);
        if (_free[c].TryDequeue(out var chunk))
        {
            Interlocked.Decrement(ref _kept[c]);
            return chunk;
        }

        return new RecordChunk(this, Sizes[c]);
    }

    public void Return(RecordChunk chunk)
    {
        // Drop references to the value arrays so they can be collected.
        Array.Clear(chunk.Items, 0, chunk.Count);
        chunk.Count = 0;
        var c = ClassOf(chunk.Items.Length);
        if (Interlocked.Increment(ref _kept[c]) <= MaxKeptPerClass)
        {
            _free[c].Enqueue(chunk);
        }
        else
        {
            Interlocked.Decrement(ref _kept[c]);
        }
    }

    private static int ClassOf(int size)
    {
        for (var i = 0; i < Sizes.Length - 1; i++)
        {
            if (size <= Sizes[i])
            {
                return i;
            }
        }

        return Sizes.Length - 1;
    }
}
