using System.Threading.Channels;
using Jaqmc.Sinks;

namespace Jaqmc.Service.Pipeline;

/// <summary>
/// The batch a pump writes next, filled from its queue's chunks: at most <c>maxBatchSize</c> records (strictly), the
/// rest of a chunk carried over to the next batch.
/// </summary>
/// <remarks>Used from the pump's thread only.</remarks>
internal sealed class PumpBatch(int maxBatchSize, WriterQueue queue)
{
    private RecordChunk? _carry;
    private int _carryOffset;

    public List<StatsRecord> Records { get; } = new(Math.Min(maxBatchSize, 4096));

    /// <summary>Whether part of a chunk waits for the next batch.</summary>
    public bool HasCarry => _carry is not null;

    /// <summary>Fills the batch from the carried chunk and the queue, up to a full batch or a flush barrier.</summary>
    /// <returns>The flush barrier that stopped the filling, or <see langword="null"/>.</returns>
    public TaskCompletionSource? Fill(ChannelReader<WriterQueueItem> reader)
    {
        while (Records.Count < maxBatchSize)
        {
            if (_carry is not null)
            {
                var take = Math.Min(maxBatchSize - Records.Count, _carry.Count - _carryOffset);
                Records.AddRange(new ArraySegment<StatsRecord>(_carry.Items, _carryOffset, take));
                _carryOffset += take;
                if (_carryOffset == _carry.Count)
                {
                    queue.Release(_carry);
                    _carry = null;
                }

                continue;
            }

            if (!reader.TryRead(out var item))
            {
                return null;
            }

            if (item.Flush is not null)
            {
                return item.Flush;
            }

            _carry = item.Records;
            _carryOffset = 0;
        }

        return null;
    }

    /// <summary>Gives up the batch and the carried records (the writer failed).</summary>
    /// <returns>The records given up.</returns>
    public int Abandon()
    {
        var lost = Records.Count;
        if (_carry is not null)
        {
            lost += _carry.Count - _carryOffset;
            queue.Release(_carry);
            _carry = null;
        }

        Records.Clear();
        return lost;
    }
}
