using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Jaqmc.Cli.Dashboard;

/// <summary>
/// The live stream's one poller: while anyone watches, it lists the runs every <see cref="DashboardOptions.LiveInterval"/>
/// and hands each viewer the runs whose fingerprint changed. Twenty viewers cost one poll, not twenty; with no viewer
/// it sleeps, so the database sees nothing from an idle dashboard.
/// </summary>
internal sealed class LiveRunWatcher(RunCatalogue catalogue, IOptions<DashboardOptions> options, ILogger<LiveRunWatcher> logger, TimeProvider clock) : BackgroundService
{
    private readonly Lock _gate = new();
    private readonly List<Subscriber> _subscribers = [];
    private volatile Dictionary<string, string> _fingerprints = new(StringComparer.Ordinal);
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string? _failing;

    /// <summary>The fingerprint of run <paramref name="id"/> at the last poll, while anyone watches; else null.</summary>
    public string? Fingerprint(string id)
    {
        lock (_gate)
        {
            if (_subscribers.Count == 0)
            {
                return null;
            }
        }

        return _fingerprints.TryGetValue(id, out var fingerprint) ? fingerprint : null;
    }

    /// <summary>Starts watching for a viewer: its first event lists every run, later ones what changed. Dispose to stop.</summary>
    public Subscription Subscribe()
    {
        var subscriber = new Subscriber(Channel.CreateBounded<LiveUpdate>(new BoundedChannelOptions(16) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true }));
        lock (_gate)
        {
            _subscribers.Add(subscriber);
            _wake.TrySetResult();
        }

        return new Subscription(subscriber.Channel.Reader, () =>
        {
            lock (_gate)
            {
                _subscribers.Remove(subscriber);
            }
        });
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            Task wake;
            lock (_gate)
            {
                if (_subscribers.Count == 0)
                {
                    _wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                wake = _subscribers.Count == 0 ? _wake.Task : Task.CompletedTask;
            }

            await wake.WaitAsync(stoppingToken).ConfigureAwait(false);
            await PollAsync(stoppingToken).ConfigureAwait(false);
            await Task.Delay(options.Value.LiveInterval, clock, stoppingToken).ConfigureAwait(false);
        }
    }

    private async Task PollAsync(CancellationToken cancellationToken)
    {
        var listing = await catalogue.ListAsync(cancellationToken).ConfigureAwait(false);
        var failing = listing.Errors.Count == 0 ? null : string.Join("; ", listing.Errors.Select(e => e.Error));
        var errorsChanged = failing != _failing;
        if (errorsChanged)
        {
            if (failing is not null)
            {
                DashboardLog.PollFailed(logger, failing);
            }
            else
            {
                DashboardLog.PollRecovered(logger);
            }

            _failing = failing;
        }

        var runs = listing.Runs;
        var fingerprints = runs.ToDictionary(r => r.Id, r => r.Fingerprint, StringComparer.Ordinal);

        // A source that cannot be read now has not lost its runs: they are not reported removed.
        foreach (var (id, before) in _fingerprints)
        {
            if (!fingerprints.ContainsKey(id) && listing.Errors.Any(e => catalogue.IsFrom(id, e.Source)))
            {
                fingerprints[id] = before;
            }
        }

        var changed = runs.Where(r => !_fingerprints.TryGetValue(r.Id, out var before) || before != r.Fingerprint).ToList();
        var removed = _fingerprints.Keys.Where(id => !fingerprints.ContainsKey(id)).ToList();
        _fingerprints = fingerprints;
        var quiet = changed.Count == 0 && removed.Count == 0 && !errorsChanged;
        Publish(first => first ? new LiveUpdate(runs, [], true, listing.Errors) : quiet ? null : new LiveUpdate(changed, removed, false, listing.Errors));
    }

    // update(first) is the event for a viewer that has (not) had every run yet; null: nothing for it. Each is made
    // at most once per poll, so every viewer gets the same instance and its JSON is serialized once.
    private void Publish(Func<bool, LiveUpdate?> update)
    {
        var made = new Lazy<LiveUpdate?>[] { new(() => update(false)), new(() => update(true)) };
        lock (_gate)
        {
            foreach (var subscriber in _subscribers)
            {
                // A viewer that fell 16 events behind misses one: it gets every run again once it reads.
                if (made[subscriber.Started ? 0 : 1].Value is { } next)
                {
                    subscriber.Started = subscriber.Channel.Writer.TryWrite(next);
                }
            }
        }
    }

    /// <summary>A viewer's queue of at most 16 events, and whether it has had every run since it last overflowed.</summary>
    private sealed class Subscriber(Channel<LiveUpdate> channel)
    {
        public Channel<LiveUpdate> Channel { get; } = channel;

        public bool Started { get; set; }
    }
}
