using System.Security.Cryptography;
using Jaqmc.Sinks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Jaqmc.Cli.Serve;

/// <summary>
/// The open streams, one per run and stage. Opening with the session that already holds a stream reattaches to it
/// (after a dropped connection: nothing is reopened, the client learns the durable step); opening with another
/// session (a resumed client) closes the old stream as interrupted and opens the writers at the new initial step.
/// </summary>
internal sealed partial class RemoteStreams : IAsyncDisposable
{
    private readonly Dictionary<(string Run, string Stage), RemoteStream> _byName = [];
    private readonly Dictionary<string, RemoteStream> _byId = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _opening = new(1, 1);
    private readonly ServeOptions _options;
    private readonly IConfiguration _configuration;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly ServeMetrics _metrics;

    public RemoteStreams(IOptions<ServeOptions> options, IConfiguration configuration, ILoggerFactory loggerFactory, System.Diagnostics.Metrics.IMeterFactory meterFactory)
    {
        _options = options.Value;
        _configuration = configuration;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<RemoteStreams>();
        _metrics = new ServeMetrics(meterFactory, () => Count);
    }

    public ServeMetrics Metrics => _metrics;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _byId.Count;
            }
        }
    }

    public string FullRoot => Path.GetFullPath(_options.Root);

    public IReadOnlyList<RemoteStream> Snapshot()
    {
        lock (_lock)
        {
            return _byId.Values.OrderBy(s => s.Run, StringComparer.Ordinal).ThenBy(s => s.Stage, StringComparer.Ordinal).ToArray();
        }
    }

    public RemoteStream Get(string id)
    {
        lock (_lock)
        {
            return _byId.TryGetValue(id, out var stream)
                ? stream
                : throw new BadRequestException($"stream '{id}' is not open (the server restarted or another session took it over): open it again", 404);
        }
    }

    /// <exception cref="BadRequestException">A name breaks the rules, or too many streams are open.</exception>
    public async Task<RemoteStream> OpenAsync(string run, string stage, long initialStep, string session, CancellationToken cancellationToken)
    {
        await _opening.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            RemoteStream? existing;
            lock (_lock)
            {
                _byName.TryGetValue((run, stage), out existing);
            }

            if (existing is not null && existing.Session == session && !existing.IsFaulted)
            {
                ServeLog.Reattached(_logger, run, stage, existing.DurableStep);
                return existing;
            }

            if (existing is not null)
            {
                await CloseAsync(existing, StageOutcome.Interrupted).ConfigureAwait(false);
            }

            if (Count >= _options.MaxStreams)
            {
                throw new BadRequestException($"the server holds Serve:MaxStreams={_options.MaxStreams} open streams: close one first", 503);
            }

            var directory = Path.Combine(FullRoot, run);
            StreamPipeline pipeline;
            try
            {
                Directory.CreateDirectory(directory);
                pipeline = await StreamPipeline.StartAsync(_configuration, _loggerFactory, directory, run, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or OptionsValidationException)
            {
                throw new BadRequestException($"run '{run}' cannot be opened under '{FullRoot}': {e.Message.ReplaceLineEndings(" ")}", 503);
            }

            try
            {
                await pipeline.Recorder.BeginStageAsync(stage, initialStep, cancellationToken).ConfigureAwait(false);
                await StreamStateFile.WriteRunningAsync(directory, stage, initialStep, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await pipeline.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            var stream = new RemoteStream(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)), run, stage, session, initialStep, pipeline, _metrics);
            lock (_lock)
            {
                _byName[(run, stage)] = stream;
                _byId[stream.Id] = stream;
            }

            ServeLog.Opened(_logger, run, stage, initialStep, stream.Id);
            return stream;
        }
        finally
        {
            _opening.Release();
        }
    }

    public async Task<long> CloseAsync(RemoteStream stream, StageOutcome outcome)
    {
        Remove(stream);
        var durable = await stream.CloseAsync(outcome).ConfigureAwait(false);
        var ended = stream.IsFaulted ? StageOutcome.Failed : outcome;
        try
        {
            await StreamStateFile.WriteClosedAsync(Path.Combine(FullRoot, stream.Run), stream.Stage, stream.InitialStep, ended, durable, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The statistics are closed and durable; only `jaqmc runs` loses the stage's status.
            ServeLog.StateNotWritten(_logger, stream.Run, stream.Stage, e.Message);
        }

        ServeLog.Closed(_logger, stream.Run, stream.Stage, ended, durable, stream.Records, stream.Skipped);
        return durable;
    }

    /// <summary>At shutdown: every open stream ends as interrupted, its writers drained and closed.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var stream in Snapshot())
        {
            await CloseAsync(stream, StageOutcome.Interrupted).ConfigureAwait(false);
        }
    }

    private void Remove(RemoteStream stream)
    {
        lock (_lock)
        {
            _byId.Remove(stream.Id);
            if (_byName.TryGetValue((stream.Run, stream.Stage), out var current) && ReferenceEquals(current, stream))
            {
                _byName.Remove((stream.Run, stream.Stage));
            }
        }
    }
}
