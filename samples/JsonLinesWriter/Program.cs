using Jaqmc.Cli.Hosting;
using Jaqmc.Samples.JsonLines;
using Microsoft.Extensions.DependencyInjection;

// The whole registration of a custom writer: add it under a name when the jaqmc host is built.
// Its settings come from Writers:JsonLines (for example --Writers:JsonLines:Enabled=true) and are validated at start.
return await JaqmcHost.RunAsync(args, builder =>
    builder.Services.AddStatsWriter<JsonLinesStatsWriter, JsonLinesWriterOptions>("JsonLines"));
