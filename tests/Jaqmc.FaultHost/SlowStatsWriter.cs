using System.Globalization;
using System.Text;
using Jaqmc.Sinks;

namespace Jaqmc.FaultHost;

/// <summary>
/// A writer as slow as a remote store on a bad day: it spends <see cref="SlowWriterOptions.DelayPerRecord"/> per
/// record, then appends each step to <c>{stage}_slow.txt</c> (one line per step), so a test can see how far behind
/// the other writers it is and that it lost nothing.
/// </summary>
public sealed class SlowStatsWriter(SlowWriterOptions options) : StatsWriter
{
    private string? _path;

    /// <inheritdoc />
    protected override ValueTask OnOpenAsync(WriterContext context, CancellationToken cancellationToken)
    {
        _path = Path.Combine(context.WorkingDirectory, context.Stage + "_slow.txt");
        if (File.Exists(_path))
        {
            // Resume: keep the steps before initial_step, as every writer must.
            var kept = File.ReadAllLines(_path).Where(l => long.TryParse(l, CultureInfo.InvariantCulture, out var s) && s < context.InitialStep);
            File.WriteAllLines(_path, kept);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    protected override async ValueTask OnWriteAsync(IReadOnlyList<StatsRecord> batch, CancellationToken cancellationToken)
    {
        await Task.Delay(options.DelayPerRecord * batch.Count, cancellationToken).ConfigureAwait(false);
        var text = new StringBuilder();
        foreach (var record in batch)
        {
            text.Append(record.Step.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        await File.AppendAllTextAsync(_path!, text.ToString(), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override ValueTask OnFlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <inheritdoc />
    protected override ValueTask OnCloseAsync(StageOutcome outcome, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
