using System.Globalization;

namespace Jaqmc.Benchmarks;

/// <summary>What the hand-written benchmark commands share: options, medians and quantiles, free ports.</summary>
internal static class CommandHelpers
{
    /// <summary>The integer after <paramref name="name"/> in <paramref name="args"/>, or <paramref name="fallback"/>.</summary>
    public static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>
    /// The <paramref name="q"/>-quantile, interpolating linearly between order statistics: one definition, so the
    /// quartiles and p90s that different commands print are comparable.
    /// </summary>
    public static double Quantile(IEnumerable<double> values, double q)
    {
        var sorted = values.Order().ToArray();
        var position = q * (sorted.Length - 1);
        var below = (int)Math.Floor(position);
        var above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + ((position - below) * (sorted[above] - sorted[below]));
    }

    /// <summary>
    /// The command line that starts the program at <paramref name="program"/>: <c>dotnet jaqmc.dll</c> for an
    /// assembly, the file itself for a native build (scripts/build-native.sh).
    /// </summary>
    public static string[] JaqmcCommand(string program) =>
        program.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? ["dotnet", program] : [program];

    /// <summary>
    /// The program as <c>dotnet run -c Release --project src/Cli</c> runs it: the ReadyToRun copy in
    /// src/Cli/bin/Release/r2r/ that building the project publishes (this project references it, so it is built too),
    /// else the plain build, else the copy beside this benchmark.
    /// </summary>
    public static string DefaultJaqmcDll()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Jaqmc.sln")))
            {
                foreach (var output in (string[])["r2r", "net10.0"])
                {
                    var built = Path.Combine(directory.FullName, "src", "Cli", "bin", "Release", output, "jaqmc.dll");
                    if (File.Exists(built))
                    {
                        return built;
                    }
                }

                break;
            }
        }

        return Path.Combine(AppContext.BaseDirectory, "jaqmc.dll");
    }

    /// <summary>A loopback port free at the time of asking.</summary>
    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
