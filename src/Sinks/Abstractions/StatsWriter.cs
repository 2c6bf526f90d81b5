namespace Jaqmc.Sinks;

/// <summary>
/// A convenient base for writers: it enforces the lifecycle (write before open is an error, open twice is an
/// error, close is idempotent) so an implementation only fills in the I/O.
/// </summary>
public abstract class StatsWriter : IStatsWriter
{
    private WriterContext? _context;
    private bool _closed;

    /// <summary>The context of the open stage.</summary>
    /// <exception cref="InvalidOperationException">The writer is not open.</exception>
    protected WriterContext Context => _context ?? throw NotOpen();

    /// <summary>Whether <see cref="OpenAsync"/> succeeded and <see cref="CloseAsync"/> has not run yet.</summary>
    public bool IsOpen => _context is not null && !_closed;

    /// <inheritdoc />
    public async ValueTask OpenAsync(WriterContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_context is not null)
        {
            throw new InvalidOperationException($"{GetType().Name} is already open for stage '{_context.Stage}'.");
        }

        StagePath.ValidateStage(context.Stage);
        await OnOpenAsync(context, cancellationToken).ConfigureAwait(false);
        _context = context;
    }

    /// <inheritdoc />
    public ValueTask WriteAsync(IReadOnlyList<StatsRecord> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (!IsOpen)
        {
            throw NotOpen();
        }

        return batch.Count == 0 ? ValueTask.CompletedTask : OnWriteAsync(batch, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (!IsOpen)
        {
            throw NotOpen();
        }

        return OnFlushAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask CloseAsync(StageOutcome outcome, CancellationToken cancellationToken)
    {
        if (!IsOpen)
        {
            return;
        }

        await OnCloseAsync(outcome, cancellationToken).ConfigureAwait(false);
        _closed = true;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await DisposeCoreAsync().ConfigureAwait(false);
        _closed = true;
        GC.SuppressFinalize(this);
    }

    /// <summary>Acquires the stage's resources and truncates at <see cref="WriterContext.InitialStep"/>.</summary>
    protected abstract ValueTask OnOpenAsync(WriterContext context, CancellationToken cancellationToken);

    /// <summary>Writes a non-empty batch; must be idempotent when retried with the same batch.</summary>
    protected abstract ValueTask OnWriteAsync(IReadOnlyList<StatsRecord> batch, CancellationToken cancellationToken);

    /// <summary>Makes written records durable.</summary>
    protected abstract ValueTask OnFlushAsync(CancellationToken cancellationToken);

    /// <summary>Flushes and releases resources.</summary>
    protected abstract ValueTask OnCloseAsync(StageOutcome outcome, CancellationToken cancellationToken);

    /// <summary>Releases resources without flushing (after a failure). The default does nothing.</summary>
    protected virtual ValueTask DisposeCoreAsync() => ValueTask.CompletedTask;

    private InvalidOperationException NotOpen() =>
        new($"{GetType().Name} is not open: call OpenAsync for a stage before writing.");
}
