using Jaqmc.Service.Pipeline;
using Jaqmc.Sinks;

namespace Jaqmc.Tests.Service.Pipeline;

/// <summary>A writer's queue on its own, without a pipeline or a container.</summary>
public sealed class WriterQueueTests
{
    private static readonly StatsKeys Keys = new("loss");

    [Fact]
    public void Capacity_IsCountedInRecords_NotInChunks()
    {
        var pool = new ChunkPool();
        var queue = new WriterQueue("A", capacity: 10);

        Assert.True(queue.TryEnqueue(Chunk(pool, 0, 6)));
        Assert.True(queue.TryEnqueue(Chunk(pool, 6, 4)));
        Assert.False(queue.TryEnqueue(Chunk(pool, 10, 1)));
        Assert.Equal(10, queue.Count);
    }

    [Fact]
    public void AnEmptyQueue_TakesAnOversizedChunk_SoItCannotBlockForever()
    {
        var queue = new WriterQueue("A", capacity: 2);

        Assert.True(queue.TryEnqueue(Chunk(new ChunkPool(), 0, 50)));
        Assert.Equal(50, queue.Count);
    }

    [Fact]
    public async Task EnqueueAsync_WaitsForRoom_AndContinuesWhenThePumpReleasesAChunk()
    {
        var pool = new ChunkPool();
        var queue = new WriterQueue("A", capacity: 4);
        var first = Chunk(pool, 0, 4);
        Assert.True(queue.TryEnqueue(first));

        var waiting = queue.EnqueueAsync(Chunk(pool, 4, 2), CancellationToken.None).AsTask();
        Assert.False(waiting.IsCompleted);

        Assert.True(queue.Reader.TryRead(out var item));
        queue.Release(item.Records!);
        await waiting.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(2, queue.Count);
    }

    [Fact]
    public async Task Discard_FailsFlushBarriers_AndCountsTheRecords()
    {
        var pool = new ChunkPool();
        var queue = new WriterQueue("A", capacity: 100);
        queue.TryEnqueue(Chunk(pool, 0, 3));
        var barrier = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Assert.True(queue.TryEnqueueFlush(barrier));
        queue.TryEnqueue(Chunk(pool, 3, 5));

        var discarded = queue.Discard(new StatsPipelineException("disk gone"));

        Assert.Equal(8, discarded);
        Assert.Equal(0, queue.Count);
        var error = await Assert.ThrowsAsync<StatsPipelineException>(() => barrier.Task);
        Assert.Equal("disk gone", error.Message);
    }

    [Fact]
    public void ACompletedQueue_RefusesRecordsAndFlushes()
    {
        var queue = new WriterQueue("A", capacity: 10);
        queue.Complete();

        var error = Assert.Throws<InvalidOperationException>(() => queue.TryEnqueue(Chunk(new ChunkPool(), 0, 1)));
        Assert.Contains("'A'", error.Message, StringComparison.Ordinal);
        Assert.False(queue.TryEnqueueFlush(new TaskCompletionSource()));
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void PumpBatch_IsStrictlyBounded_AndCarriesTheRestOfAChunkOver()
    {
        var pool = new ChunkPool();
        var queue = new WriterQueue("A", capacity: 100);
        queue.TryEnqueue(Chunk(pool, 0, 7));
        queue.TryEnqueue(Chunk(pool, 7, 7));
        var batch = new PumpBatch(maxBatchSize: 5, queue);

        Assert.Null(batch.Fill(queue.Reader));
        Assert.Equal([0L, 1, 2, 3, 4], batch.Records.Select(r => r.Step));
        Assert.True(batch.HasCarry);
        batch.Records.Clear();

        Assert.Null(batch.Fill(queue.Reader));
        Assert.Equal([5L, 6, 7, 8, 9], batch.Records.Select(r => r.Step));
        Assert.Equal(7, queue.Count);

        // Giving up counts the batch and what was carried over, and frees the queue's room.
        Assert.Equal(5 + 4, batch.Abandon());
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void PumpBatch_StopsAtAFlushBarrier_WithEverythingBeforeItInTheBatch()
    {
        var pool = new ChunkPool();
        var queue = new WriterQueue("A", capacity: 100);
        queue.TryEnqueue(Chunk(pool, 0, 3));
        var barrier = new TaskCompletionSource();
        queue.TryEnqueueFlush(barrier);
        queue.TryEnqueue(Chunk(pool, 3, 3));
        var batch = new PumpBatch(maxBatchSize: 100, queue);

        Assert.Same(barrier, batch.Fill(queue.Reader));
        Assert.Equal([0L, 1, 2], batch.Records.Select(r => r.Step));
    }

    private static RecordChunk Chunk(ChunkPool pool, long firstStep, int count)
    {
        var chunk = pool.Rent(count);
        for (var i = 0; i < count && chunk.Count < chunk.Items.Length; i++)
        {
            chunk.Items[chunk.Count++] = new StatsRecord("train", firstStep + i, Keys, [firstStep + i]);
        }

        chunk.Share(1);
        return chunk;
    }
}
