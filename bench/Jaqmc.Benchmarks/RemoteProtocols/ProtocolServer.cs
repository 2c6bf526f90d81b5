using System.Net;
using Jaqmc.Cli.Serve;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Jaqmc.Benchmarks.RemoteProtocols;

/// <summary>
/// One in-process server with both protocols over the same <see cref="RemoteStreams"/>: <c>jaqmc serve</c>'s own
/// endpoints (<see cref="ServeEndpoints"/>, HTTP/1.1 with batched JSON) on one loopback port and the gRPC prototype
/// (<see cref="GrpcRecordService"/>, HTTP/2 without TLS) on another. Writers: CSV only, as bench/remote/bench_remote.py.
/// </summary>
internal sealed class ProtocolServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ProtocolServer(WebApplication app, Uri json, Uri grpc)
    {
        _app = app;
        JsonUrl = json;
        GrpcUrl = grpc;
    }

    public Uri JsonUrl { get; }

    public Uri GrpcUrl { get; }

    public static async Task<ProtocolServer> StartAsync(string root)
    {
        int jsonPort = CommandHelpers.FreePort(), grpcPort = CommandHelpers.FreePort();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = "jaqmc-bench" });
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(
        [
            new("Writers:Console:Enabled", "false"),
            new("Writers:Hdf5:Enabled", "false"),
            new("Writers:Csv:Enabled", "true"),
            new($"{ServeOptions.Section}:{nameof(ServeOptions.Root)}", root),
        ]);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = new ServeOptions().MaxRequestBytes;

            // On the shared, overloaded benchmark machine a starved client can fall below Kestrel's minimum body rate
            // and have its JSON request aborted (gRPC streaming calls are exempt); neither protocol gets that limit.
            kestrel.Limits.MinRequestBodyDataRate = null;
            kestrel.Limits.MinResponseDataRate = null;
            kestrel.Listen(IPAddress.Loopback, jsonPort, o => o.Protocols = HttpProtocols.Http1);
            kestrel.Listen(IPAddress.Loopback, grpcPort, o => o.Protocols = HttpProtocols.Http2);
        });
        builder.Services.AddOptions<ServeOptions>().Bind(builder.Configuration.GetSection(ServeOptions.Section));
        builder.Services.AddSingleton<RemoteStreams>();
        builder.Services.AddGrpc(o => o.MaxReceiveMessageSize = (int)new ServeOptions().MaxRequestBytes);
        var app = builder.Build();
        ServeEndpoints.Map(app);
        app.MapGrpcService<GrpcRecordService>();
        await app.StartAsync();
        return new ProtocolServer(app, new Uri($"http://127.0.0.1:{jsonPort}"), new Uri($"http://127.0.0.1:{grpcPort}"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
