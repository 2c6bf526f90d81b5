using System.CommandLine;
using System.Globalization;
using ScottPlot;

namespace Jaqmc.Cli;

/// <summary><c>jaqmc plot</c>: line plots of keys against step, as PNG or SVG.</summary>
internal static class PlotCommand
{
    private const string Energy = "total_energy";
    private const string EnergyVariance = "total_energy_var";

    public static Command Create(IReadOnlyList<string> hostArgs, CliHelp help)
    {
        var run = new Argument<string>("run") { Description = "A run directory, a .csv or .h5 statistics file, or a run name in PostgreSQL." }.RejectingOptions();
        var keys = new Option<string>("--keys", "-k") { Description = "Comma-separated keys, one panel each.", DefaultValueFactory = _ => Energy };
        var stage = new Option<string?>("--stage") { Description = "The stage (default: train, or the named file's stage)." };
        var fromStep = new Option<long>("--from-step") { Description = "Leave out the steps before this one (the first steps of training dwarf the rest).", HelpName = "N" };
        var window = new Option<int>("--window") { Description = "Also draw the moving average over this many steps (0: none).", HelpName = "W" };
        var output = new Option<string>("--output", "-o") { Description = "The image to write; .png or .svg.", HelpName = "file", DefaultValueFactory = _ => "energy.png" };
        var width = new Option<int>("--width") { Description = "Image width in pixels.", DefaultValueFactory = _ => 1200 };
        var height = new Option<int>("--height") { Description = "Image height in pixels.", DefaultValueFactory = _ => 800 };
        var walkers = new Option<int?>("--walkers") { Description = "Walkers for the energy's ±√(variance/walkers) band (default: from a checkpoint or the recorded configuration)." };
        var connection = new Option<string?>("--connection", "-c") { Description = "The PostgreSQL database (default: ConnectionStrings:Stats).", HelpName = "connection-string" };
        var command = new Command("plot", "Plot statistics against step from CSV, HDF5 or PostgreSQL (PNG or SVG). The energy gets a band of ±√(total_energy_var/walkers), the standard error of each step's mean.")
        {
            run, keys, stage, fromStep, window, output, width, height, walkers, connection,
        };
        help.Examples(
            command,
            "jaqmc plot runs/he -o energy.png",
            "jaqmc plot runs/he --keys total_energy,pmove --from-step 100 --window 50 -o train.svg",
            "jaqmc plot runs/he/evaluation_stats.h5 --width 800 --height 500 -o evaluation.png",
            "jaqmc plot h2-lr0.05 -c 'Host=localhost;Username=jaqmc;Password=...' -o h2.png");

        command.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetRequiredValue(output);
            var extension = Path.GetExtension(path).ToLowerInvariant();
            if (extension is not (".png" or ".svg"))
            {
                throw new CliException($"--output must end in .png or .svg (got '{path}')", Hosting.ExitCodes.Configuration);
            }

            var (w, h) = (parse.GetValue(width), parse.GetValue(height));
            if (w is < 50 or > 20000 || h is < 50 or > 20000)
            {
                throw new CliException($"--width and --height must be between 50 and 20000 pixels (got {w}×{h})", Hosting.ExitCodes.Configuration);
            }

            var settings = CliSettings.Build(hostArgs, null);
            await using var reference = await RunReference.ResolveAsync(parse.GetRequiredValue(run), parse.GetValue(connection), settings, cancellationToken).ConfigureAwait(false);
            var stageName = parse.GetValue(stage) ?? reference.StageOr("train");
            var keyList = parse.GetRequiredValue(keys).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (keyList.Length == 0)
            {
                throw new CliException("--keys names no key", Hosting.ExitCodes.Configuration);
            }

            // From PostgreSQL about one bucket per pixel of width: the server reduces, the image loses nothing.
            var from = parse.GetValue(fromStep);
            var curves = new List<StageCurve>();
            foreach (var key in keyList)
            {
                curves.Add(await reference.CurveAsync(stageName, key, from, w, cancellationToken).ConfigureAwait(false));
            }

            var walkerCount = parse.GetValue(walkers) ?? reference.Walkers();
            StageCurve? variance = null;
            if (keyList.Contains(Energy) && walkerCount is > 0)
            {
                try
                {
                    variance = await reference.CurveAsync(stageName, EnergyVariance, from, w, cancellationToken).ConfigureAwait(false);
                }
                catch (CliException)
                {
                    // No variance recorded: no band.
                }
            }

            var plots = curves.Select(c => Plot(c, stageName, from, parse.GetValue(window), walkerCount, variance)).ToArray();
            plots[0].Title(Invariant($"{Path.GetFileName(reference.Name.TrimEnd('/'))} — {stageName}"));

            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            Save(plots, path, extension, w, h);
            Console.WriteLine(Invariant($"{Path.GetFullPath(path)}: {string.Join(", ", keyList)} of stage {stageName}, {w}×{h}"));
            return 0;
        });
        return command;
    }

    private static Plot Plot(StageCurve curve, string stage, long fromStep, int window, int? walkers, StageCurve? variance)
    {
        var key = curve.Key;
        var rows = Enumerable.Range(0, curve.Steps.Length).Where(i => double.IsFinite(curve.Mean[i])).ToArray();
        if (rows.Length == 0)
        {
            throw new CliException($"stage '{stage}' has no finite '{key}' values at or after step {fromStep}");
        }

        var xs = rows.Select(i => (double)curve.Steps[i]).ToArray();
        var ys = rows.Select(i => curve.Mean[i]).ToArray();
        var plot = new Plot();
        var main = key == Energy ? Colors.Navy : Colors.DarkGreen;

        // Buckets of several steps: their min-max envelope keeps every spike and the spread visible.
        if (curve.StepsPerBucket > 1)
        {
            var low = rows.Select(i => double.IsFinite(curve.Min[i]) ? curve.Min[i] : curve.Mean[i]).ToArray();
            var high = rows.Select(i => double.IsFinite(curve.Max[i]) ? curve.Max[i] : curve.Mean[i]).ToArray();
            var envelope = plot.Add.FillY(xs, low, high);
            envelope.FillColor = main.WithAlpha(0.18);
            envelope.LineWidth = 0;
            envelope.LegendText = Invariant($"min–max per {curve.StepsPerBucket} steps");
        }

        if (key == Energy && walkers is > 0 && variance is not null)
        {
            var byStep = new Dictionary<long, double>();
            for (var i = 0; i < variance.Steps.Length; i++)
            {
                byStep[variance.Steps[i]] = variance.Mean[i];
            }

            var error = rows.Select(i => byStep.TryGetValue(curve.Steps[i], out var v) && double.IsFinite(v) && v >= 0 ? Math.Sqrt(v / walkers.Value) : 0).ToArray();
            var band = plot.Add.FillY(xs, ys.Select((y, i) => y - error[i]).ToArray(), ys.Select((y, i) => y + error[i]).ToArray());
            band.FillColor = main.WithAlpha(0.25);
            band.LineWidth = 0;
            band.LegendText = Invariant($"± √(variance / {walkers} walkers)");
        }

        var line = plot.Add.ScatterLine(xs, ys);
        line.Color = window > 1 ? main.WithAlpha(0.45) : main;
        line.LineWidth = 1.2f;
        line.LegendText = curve.StepsPerBucket > 1 ? Invariant($"{key} (mean per {curve.StepsPerBucket} steps)") : key;

        if (window > 1)
        {
            // The window counts steps; with buckets, it spans that many steps' worth of buckets.
            var buckets = (int)Math.Max(1, Math.Round(window / (double)curve.StepsPerBucket));
            var average = plot.Add.ScatterLine(xs, MovingAverage(ys, buckets));
            average.Color = Colors.OrangeRed;
            average.LineWidth = 2.5f;
            average.LegendText = Invariant($"moving average ({window} steps)");
        }

        plot.XLabel("step");
        plot.YLabel(key == Energy ? "total_energy (Ha)" : key);
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }

    /// <summary>The trailing mean over up to <paramref name="window"/> values (shorter at the start).</summary>
    private static double[] MovingAverage(double[] values, int window)
    {
        var result = new double[values.Length];
        var sum = 0.0;
        for (var i = 0; i < values.Length; i++)
        {
            sum += values[i];
            if (i >= window)
            {
                sum -= values[i - window];
            }

            result[i] = sum / Math.Min(i + 1, window);
        }

        return result;
    }

    private static void Save(Plot[] plots, string path, string extension, int width, int height)
    {
        if (plots.Length == 1)
        {
            if (extension == ".svg")
            {
                plots[0].SaveSvg(path, width, height);
            }
            else
            {
                plots[0].SavePng(path, width, height);
            }

            return;
        }

        if (extension == ".svg")
        {
            // Multiplot renders PNG only: stack each panel's own SVG as a nested <svg> at its offset.
            var panel = height / plots.Length;
            var svg = new System.Text.StringBuilder(Invariant($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{panel * plots.Length}\">"));
            for (var i = 0; i < plots.Length; i++)
            {
                var inner = plots[i].GetSvgXml(width, panel);
                inner = inner[inner.IndexOf("<svg", StringComparison.Ordinal)..];
                svg.Append(Invariant($"<svg x=\"0\" y=\"{i * panel}\"")).Append(inner.AsSpan(4));
            }

            File.WriteAllText(path, svg.Append("</svg>").ToString());
            return;
        }

        var multiplot = new Multiplot();

        // A new Multiplot holds one empty plot of its own.
        var initial = multiplot.GetPlots().ToArray();
        foreach (var plot in plots)
        {
            multiplot.AddPlot(plot);
        }

        foreach (var plot in initial)
        {
            multiplot.RemovePlot(plot);
        }

        multiplot.SharedAxes.ShareX(plots);
        multiplot.SavePng(path, width, height);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
