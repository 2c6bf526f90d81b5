using System.Globalization;

namespace Jaqmc.Tests.Service.Pipeline;

/// <summary>What the Linux scheduler holds for one of this process's threads, read from <c>/proc</c> as <c>top</c> does.</summary>
internal static class ThreadSchedulingProbe
{
    public const int SchedOther = 0;
    public const int SchedIdle = 5;

    /// <summary>The nice value and policy of the thread named <paramref name="name"/>, or null while there is none.</summary>
    public static (int Nice, int Policy)? Of(string name)
    {
        Assert.True(OperatingSystem.IsLinux(), "this test reads Linux's /proc");
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n') == name)
                {
                    return Parse(File.ReadAllText(Path.Combine(task, "stat")));
                }
            }
            catch (IOException)
            {
                // The thread ended while we looked.
            }
        }

        return null;
    }

    /// <summary>The calling thread's nice value and policy.</summary>
    public static (int Nice, int Policy) OfCurrentThread() => Parse(File.ReadAllText("/proc/thread-self/stat"));

    private static (int Nice, int Policy) Parse(string stat)
    {
        // The command name (field 2) may hold spaces; the fields after its closing parenthesis are fixed: the first
        // of them is field 3, nice is field 19 and policy field 41.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (int.Parse(fields[16], CultureInfo.InvariantCulture), int.Parse(fields[38], CultureInfo.InvariantCulture));
    }
}
