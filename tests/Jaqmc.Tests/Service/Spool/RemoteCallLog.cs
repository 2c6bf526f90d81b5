using Jaqmc.Sinks;

namespace Jaqmc.Tests.Service.Spool;

/// <summary>A remote writer that records what the uploader replays into it: each call, in order, across instances.</summary>
internal sealed class RemoteCallLog
{
    public List<string> Calls { get; } = [];

    public List<StatsRecord> Records { get; } = [];

    public IRemoteStatsWriter Create() => new Writer(this);

    private sealed class Writer(RemoteCallLog log) : StatsWriter, IRemoteStatsWriter
    {
        private bool _continuing;

        public ValueTask ContinueAsync(WriterContext context, CancellationToken cancellationToken)
        {
            _continuing = true;
            return OpenAsync(context, cancellationToken);
        }

        protected override ValueTask OnOpenAsync(WriterContext context, CancellationToken cancellationToken)
        {
            log.Calls.Add($"{(_continuing ? "continue" : "open")} {context.Stage} {context.InitialStep} {context.RunName}");
            return ValueTask.CompletedTask;
        }

        protected override ValueTask OnWriteAsync(IReadOnlyList<StatsRecord> batch, CancellationToken cancellationToken)
        {
            log.Calls.Add($"write {batch[0].Step}..{batch[^1].Step}");
            log.Records.AddRange(batch);
            return ValueTask.CompletedTask;
        }

        protected override ValueTask OnFlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

        protected override ValueTask OnCloseAsync(StageOutcome outcome, CancellationToken cancellationToken)
        {
            log.Calls.Add($"close {outcome}");
            return ValueTask.CompletedTask;
        }
    }
}
