using Jaqmc.Samples.OwnTrainingLoop;
using Jaqmc.Service;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// A plain generic host. Every setting comes from configuration: appsettings.json, environment variables and the
// command line (--Training:Steps=5000 --Run:WorkingDirectory=runs/fit --ConnectionStrings:Stats="Host=...").
var builder = Host.CreateApplicationBuilder(args);
builder.Logging.AddSimpleConsole(o => o.SingleLine = true);

// Where the statistics go, by configuration: with --Remote:Url=http://host:5170 (and --Remote:Run=NAME) to a
// `jaqmc serve` (docs/remote.md), which writes them with its own writers; otherwise in this process. The loop
// (FitTraining) is the same code either way: it sees only IStatsRecorder.
if (!string.IsNullOrEmpty(builder.Configuration["Remote:Url"]))
{
    builder.Services.AddRemoteStatsRecorder();                             // IStatsRecorder over HTTP (section Remote)
    builder.Services.AddOptions<RunOptions>().BindConfiguration(RunOptions.Section);   // the checkpoint's directory
}
else
{
    // The statistics pipeline: registers IStatsRecorder and drains every writer when the host stops.
    // Settings: Pipeline, Run (WorkingDirectory, Name), Distributed.
    builder.Services.AddStatsPipeline();

    // The writers, each configured under Writers:<Name>.
    builder.Services.AddCsvStatsWriter();                                  // train_stats.csv
    builder.Services.AddHdf5StatsWriter();                                 // train_stats.h5
    builder.Services.AddPostgresStatsWriter();                             // on when ConnectionStrings:Stats is set
    builder.Services.AddConsoleStatsWriter(o =>                            // a log line every 100 steps
    {
        o.Interval = 100;
        o.Fields = "loss:.6f,grad_norm:.3e,lr=learning_rate:.2e";
    });
}

// The training loop. Registered after the pipeline, so on Ctrl+C it stops first (and checkpoints), then the
// pipeline drains.
builder.Services.AddOptions<FitOptions>().BindConfiguration(FitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
builder.Services.AddHostedService<FitTraining>();

await builder.Build().RunAsync();
