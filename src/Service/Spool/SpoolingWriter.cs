using Jaqmc.Service.Pipeline;
using Jaqmc.Sinks;
using Microsoft.Extensions.Logging;

namespace Jaqmc.Service.Spool;

/// <summary>
/// What a remote writer's pump writes to: the stage's open, batches and close go into the spool as frames, and a
/// flush is an fsync of the spool. The store itself is written by the <see cref="SpoolUploader"/>, so neither a
/// flush barrier nor training ever waits for it.
/// </summary>
internal sealed class SpoolingWriter : StatsWriter
{
    private readonly Spool _spool;
    private readonly SpoolAppender _appender;
    private readonly PipelineFullMode _fullMode;
    private readonly PipelineMetrics _metrics;
    private readonly ILogger _logger;
    private readonly KeyValuePair<string, object?> _tag;
    private bool _fullLogged;

    public SpoolingWriter(Spool spool, SpoolAppender appender, PipelineFullMode fullMode, PipelineMetrics metrics, ILogger logger)
    {
        _spool = spool;
        _appender = appender;
        _fullMode = fullMode;
        _metrics = metrics;
        _logger = logger;
        _tag = new("writer", spool.Name);
    }

    protected override ValueTask OnOpenAsync(WriterContext context, CancellationToken cancellationToken)
    {
        Guard(() => _appender.AppendOpen(context));
        return ValueTask.CompletedTask;
    }

    protected override async ValueTask OnWriteAsync(IReadOnlyList<StatsRecord> batch, CancellationToken cancellationToken)
    {
        // One frame per run of records sharing a key set, and small enough that a frame always fits the spool.
        var recordBytes = SpoolCodec.RecordBytes(batch[0].Keys.Count);
        var perFrame = (int)Math.Clamp(_spool.MaxBytes / 8 / recordBytes, 1, 4096);
        var first = 0;
        while (first < batch.Count)
        {
            var keys = batch[first].Keys;
            var count = 1;
            while (first + count < batch.Count && count < perFrame && ReferenceEquals(batch[first + count].Keys, keys))
            {
                count++;
            }

            Guard(() => _appender.PrepareRecords(batch, first, count));
            if (await MakeRoomAsync(batch[first].Step, count, cancellationToken).ConfigureAwait(false))
            {
                Guard(_appender.AppendPrepared);
            }

            first += count;
        }
    }

    protected override ValueTask OnFlushAsync(CancellationToken cancellationToken)
    {
        Guard(_appender.Flush);
        return ValueTask.CompletedTask;
    }

    protected override ValueTask OnCloseAsync(StageOutcome outcome, CancellationToken cancellationToken)
    {
        Guard(() =>
        {
            _appender.AppendClose(outcome);
            _appender.Flush();
        });
        return ValueTask.CompletedTask;
    }

    /// <summary>A full spool: wait for the uploader to free room, drop the frame, or fail, as <c>Pipeline:FullMode</c> says.</summary>
    /// <returns>Whether to append the prepared frame.</returns>
    private async ValueTask<bool> MakeRoomAsync(long step, int records, CancellationToken cancellationToken)
    {
        var bytes = _appender.PreparedBytes;
        if (_spool.HasRoomFor(bytes))
        {
            _fullLogged = false;
            return true;
        }

        if (!_fullLogged)
        {
            _fullLogged = true;
            SpoolLog.Full(_logger, _spool.Name, _spool.MaxBytes, _fullMode, step);
        }

        switch (_fullMode)
        {
            case PipelineFullMode.Wait:
                while (true)
                {
                    var changed = _spool.Changed;
                    if (_spool.HasRoomFor(bytes))
                    {
                        return true;
                    }

                    await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
                }

            case PipelineFullMode.Fail:
                _appender.DiscardPrepared();
                throw new PermanentWriterException(
                    $"The spool {_spool.Directory} is full (Writers:{_spool.Name}:Spool:MaxBytes={_spool.MaxBytes}) and Pipeline:FullMode=Fail: step {step} was not spooled");

            default:
                _appender.DiscardPrepared();
                _spool.CountDropped(records);
                _metrics.Dropped.Add(records, _tag);
                SpoolLog.Dropped(_logger, _spool.Name, records, step, _spool.Dropped);
                return false;
        }
    }

    /// <summary>A spool that cannot be written (a full or failing disk) stops the writer: retrying fills no disk.</summary>
    private void Guard(Action append)
    {
        try
        {
            append();
        }
        catch (IOException e)
        {
            throw new PermanentWriterException($"could not write the spool {_spool.Directory}: {e.Message.TrimEnd('.')}", e);
        }
    }
}
