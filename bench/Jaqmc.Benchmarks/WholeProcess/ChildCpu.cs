using System.Globalization;

namespace Jaqmc.Benchmarks.WholeProcess;

/// <summary>
/// CPU time (user + system) of this process's children that have been waited for, from <c>/proc/self/stat</c>
/// (Linux): the difference around one child's run is that child's CPU time, whatever threads it started.
/// </summary>
internal static class ChildCpu
{
    // USER_HZ: the unit of /proc's tick counts on every Linux architecture .NET runs on.
    private const double TicksPerSecond = 100;

    /// <summary>Seconds of CPU used so far by reaped children; NaN where <c>/proc</c> is missing.</summary>
    public static double Seconds()
    {
        try
        {
            var stat = File.ReadAllText("/proc/self/stat");

            // After the command name in parentheses (which may hold spaces) come fields 3, 4, ...;
            // cutime and cstime are fields 16 and 17.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[16 - 3], CultureInfo.InvariantCulture) + long.Parse(fields[17 - 3], CultureInfo.InvariantCulture);
            return ticks / TicksPerSecond;
        }
        catch (IOException)
        {
            return double.NaN;
        }
        catch (UnauthorizedAccessException)
        {
            return double.NaN;
        }
    }

    /// <summary>The 1-minute load average, or NaN.</summary>
    public static double LoadAverage()
    {
        try
        {
            return double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return double.NaN;
        }
    }
}
