using Jaqmc.Cli.Hosting;
using Jaqmc.FaultHost;
using Microsoft.Extensions.DependencyInjection;

// The real jaqmc host, with one more writer a fault test can enable: Writers:Slow (disabled unless configured).
return await JaqmcHost.RunAsync(args, builder =>
    builder.Services.AddStatsWriter<SlowStatsWriter, SlowWriterOptions>("Slow"));
