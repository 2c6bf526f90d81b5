using Grpc.Core;
using Grpc.Net.Client;
using Jaqmc.Sinks;

namespace Jaqmc.Benchmarks.RemoteProtocols;

/// <summary>
/// The gRPC prototype's client: one bidirectional call per stream (HTTP/2 without TLS), a protobuf
/// <see cref="Batch"/> per batch, and up to <see cref="Window"/> batches in flight; acknowledgements come back in order.
/// </summary>
internal sealed class GrpcBatchSender(Uri url, int window) : IBatchSender
{
    private readonly GrpcChannel _channel = GrpcChannel.ForAddress(url, new GrpcChannelOptions { MaxSendMessageSize = null });
    private readonly Queue<TaskCompletionSource<long>> _waiting = new();
    private readonly Lock _lock = new();
    private AsyncDuplexStreamingCall<ClientMessage, Ack>? _call;
    private Task? _reader;

    public int Window => window;

    public async Task OpenAsync(string run, string stage, long initialStep)
    {
        _call = new RecordStreams.RecordStreamsClient(_channel).Append();
        _reader = Task.Run(ReadAcksAsync);
        await await WriteAsync(new ClientMessage { Open = new Open { Run = run, Stage = stage, InitialStep = initialStep, Session = Guid.NewGuid().ToString("N") } });
    }

    public Task<Task<long>> SendAsync(StatsKeys keys, IReadOnlyList<StatsRecord> records, int start, int count)
    {
        var batch = new Batch();
        batch.Keys.AddRange(keys);
        for (var r = start; r < start + count; r++)
        {
            batch.Steps.Add(records[r].Step);
            batch.Values.AddRange(records[r].Values);
        }

        return WriteAsync(new ClientMessage { Batch = batch });
    }

    public async Task CloseAsync()
    {
        await _call!.RequestStream.CompleteAsync();
        await _reader!;
    }

    public async ValueTask DisposeAsync()
    {
        _call?.Dispose();
        await _channel.ShutdownAsync();
        _channel.Dispose();
    }

    private async Task<Task<long>> WriteAsync(ClientMessage message)
    {
        var done = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            _waiting.Enqueue(done);
        }

        await _call!.RequestStream.WriteAsync(message);
        return done.Task;
    }

    private async Task ReadAcksAsync()
    {
        await foreach (var ack in _call!.ResponseStream.ReadAllAsync())
        {
            TaskCompletionSource<long> done;
            lock (_lock)
            {
                done = _waiting.Dequeue();
            }

            done.SetResult(ack.DurableStep);
        }
    }
}
