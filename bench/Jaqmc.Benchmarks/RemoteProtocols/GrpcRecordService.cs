using Grpc.Core;
using Jaqmc.Cli.Serve;
using Jaqmc.Sinks;

namespace Jaqmc.Benchmarks.RemoteProtocols;

/// <summary>
/// The gRPC prototype's server side: the same <see cref="RemoteStreams"/> and <see cref="RemoteStream.AppendAsync"/>
/// (skip of durable steps, flush barrier, acknowledgement) that <c>jaqmc serve</c>'s JSON endpoint calls, fed from
/// protobuf batches instead of JSON bodies.
/// </summary>
internal sealed class GrpcRecordService(RemoteStreams streams) : RecordStreams.RecordStreamsBase
{
    public override async Task Append(IAsyncStreamReader<ClientMessage> requestStream, IServerStreamWriter<Ack> responseStream, ServerCallContext context)
    {
        RemoteStream? stream = null;
        StatsKeys? keys = null;
        try
        {
            await foreach (var message in requestStream.ReadAllAsync(context.CancellationToken))
            {
                if (message.KindCase == ClientMessage.KindOneofCase.Open)
                {
                    var open = message.Open;
                    stream = await streams.OpenAsync(open.Run, open.Stage, open.InitialStep, open.Session, context.CancellationToken);
                    await responseStream.WriteAsync(new Ack { DurableStep = stream.DurableStep });
                    continue;
                }

                if (stream is null)
                {
                    throw new RpcException(new Status(StatusCode.FailedPrecondition, "the first message must open the stream"));
                }

                var batch = message.Batch;
                if (keys is null || !keys.SequenceEqual(batch.Keys, StringComparer.Ordinal))
                {
                    keys = new StatsKeys(batch.Keys);
                }

                var width = keys.Count;
                if (batch.Values.Count != batch.Steps.Count * width)
                {
                    throw new RpcException(new Status(StatusCode.InvalidArgument, $"values must hold steps × keys = {batch.Steps.Count * width} numbers (got {batch.Values.Count})"));
                }

                var steps = new long[batch.Steps.Count];
                var rows = new double[steps.Length][];
                for (var r = 0; r < steps.Length; r++)
                {
                    steps[r] = batch.Steps[r];
                    var row = new double[width];
                    for (var k = 0; k < width; k++)
                    {
                        row[k] = batch.Values[(r * width) + k];
                    }

                    rows[r] = row;
                }

                var durable = await stream.AppendAsync(new RecordBatch(keys, steps, rows));
                await responseStream.WriteAsync(new Ack { DurableStep = durable });
            }
        }
        finally
        {
            if (stream is not null)
            {
                await streams.CloseAsync(stream, context.CancellationToken.IsCancellationRequested ? StageOutcome.Interrupted : StageOutcome.Completed);
            }
        }
    }
}
