using System.CommandLine;
using Jaqmc.Cli.Hosting;
using Jaqmc.Service.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Jaqmc.Cli;

/// <summary><c>jaqmc train</c>: the main job (also run when no verb is given).</summary>
internal static class TrainCommand
{
    public const string Name = "train";

    public static Command Create(IReadOnlyList<string> hostArgs, CliHelp help, Option<bool> verbose)
    {
        var system = new Option<string?>("--system", "-s") { Description = "The system to train: H, He or H2 (Training:System)." };
        system.AcceptOnlyFromAmong(StringComparer.OrdinalIgnoreCase, "H", "He", "H2");
        var workdir = new Option<string?>("--workdir", "-w") { Description = "Where checkpoints and stats files go (Run:WorkingDirectory, default runs/default).", HelpName = "dir" };
        var name = new Option<string?>("--name") { Description = "The run's name in PostgreSQL (Run:Name, default the working directory's full path)." };
        var iterations = new Option<int?>("--iterations", "-n") { Description = "Training steps (Training:Iterations).", HelpName = "N" };
        var evalIterations = new Option<int?>("--eval-iterations") { Description = "Evaluation steps (Evaluation:Iterations); 0 trains only.", HelpName = "N" };
        var walkers = new Option<int?>("--walkers") { Description = "Monte Carlo walkers (Training:Walkers).", HelpName = "N" };
        var seed = new Option<long?>("--seed") { Description = "The random seed (Training:Seed)." };
        var config = new Option<string?>("--config") { Description = "An extra JSON settings file layered over appsettings.json.", HelpName = "file" };
        var noProgress = new Option<bool>("--no-progress") { Description = "Plain log lines instead of the live display (always so when output is redirected)." };
        var dashboard = new Option<bool>("--dashboard") { Description = "Also serve the live dashboard on the working directory's parent (and PostgreSQL when configured) while training (Dashboard:Urls, default http://127.0.0.1:5080)." };

        var command = new Command(Name, "Train and evaluate (the default when no verb is given). Any setting can be given as --Section:Key=value.")
        {
            system, workdir, name, iterations, evalIterations, walkers, seed, config, noProgress, dashboard,
        };
        help.Examples(
            command,
            "jaqmc train --system He --workdir runs/he --iterations 600 --eval-iterations 200",
            "jaqmc --Training:System=H2 --Training:BondLength=1.4          (no verb: train)",
            "jaqmc train -w runs/he --no-progress --Writers:Console:Interval=10",
            "jaqmc train -w runs/he --dashboard                             (open the address it prints)",
            "JAQMC_ConnectionStrings__Stats='Host=localhost;Username=jaqmc;Password=...' jaqmc train -w runs/he");

        command.SetAction(async (parse, cancellationToken) =>
        {
            // Explicit options go after the overrides so that they win, as the last setting does in the host.
            var args = new List<string>(hostArgs);
            void Set(string key, object? value)
            {
                if (value is not null)
                {
                    args.Add(FormattableString.Invariant($"--{key}={value}"));
                }
            }

            Set("config", parse.GetValue(config));
            Set("Training:System", parse.GetValue(system));
            Set("Run:WorkingDirectory", parse.GetValue(workdir));
            Set("Run:Name", parse.GetValue(name));
            Set("Training:Iterations", parse.GetValue(iterations));
            Set("Evaluation:Iterations", parse.GetValue(evalIterations));
            Set("Training:Walkers", parse.GetValue(walkers));
            Set("Training:Seed", parse.GetValue(seed));

            var live = !parse.GetValue(noProgress) && !Console.IsOutputRedirected && AnsiConsoleIsInteractive();
            var stackTraces = parse.GetValue(verbose);
            await using var server = parse.GetValue(dashboard) ? await StartDashboardAsync(args, parse.GetValue(config), cancellationToken).ConfigureAwait(false) : null;
            return live
                ? await RunLiveAsync(args.ToArray(), stackTraces, cancellationToken).ConfigureAwait(false)
                : await JaqmcHost.RunAsync(args.ToArray(), stackTraces).ConfigureAwait(false);
        });
        return command;
    }

    // The dashboard shows the working directory's parent, so the run is listed beside its siblings to compare with.
    private static async Task<Microsoft.AspNetCore.Builder.WebApplication> StartDashboardAsync(List<string> args, string? configFile, CancellationToken cancellationToken)
    {
        var settings = CliSettings.Build(args, configFile);
        var workdir = Path.GetFullPath(settings["Run:WorkingDirectory"] is { Length: > 0 } w ? w : new Jaqmc.Service.RunOptions().WorkingDirectory);
        Directory.CreateDirectory(workdir);
        return await Dashboard.DashboardHost.StartAsync(args, configFile, [], Path.GetDirectoryName(workdir) ?? workdir, null, quiet: true, Console.Out, cancellationToken).ConfigureAwait(false);
    }

    private static bool AnsiConsoleIsInteractive() =>
        Spectre.Console.AnsiConsole.Profile.Capabilities.Interactive;

    private static async Task<int> RunLiveAsync(string[] args, bool verbose, CancellationToken cancellationToken)
    {
        var tracker = new ProgressTracker();
        var log = new DisplayLog(verbose);
        var reporter = new TrainingProgressReporter();
        reporter.Reported += tracker.Add;
        var title = string.Join(' ', args.Where(a => a.StartsWith("--Training:System=", StringComparison.OrdinalIgnoreCase) || a.StartsWith("--Run:WorkingDirectory=", StringComparison.OrdinalIgnoreCase)).Select(a => a[(a.IndexOf('=', StringComparison.Ordinal) + 1)..]));
        var run = JaqmcHost.RunAsync(args, verbose, builder =>
        {
            builder.Logging.ClearProviders();
            builder.Logging.AddProvider(log);
            builder.Services.Replace(ServiceDescriptor.Singleton(reporter));
        });
        return await new TrainingProgressDisplay(tracker, log, title).ShowWhileAsync(run, cancellationToken).ConfigureAwait(false);
    }
}
