using System.Globalization;
using System.Text.RegularExpressions;

namespace Jaqmc.Tests.EndToEnd.Faults;

/// <summary>How far a run got, read from its console lines (<c>train[0] step=N</c>; evaluation steps count after the training's).</summary>
internal static partial class ConsoleProgress
{
    /// <summary>
    /// Waits until the console shows the run <paramref name="advance"/> steps past where this life started; true
    /// when the program exited first.
    /// </summary>
    public static async Task<bool> WaitForAdvanceAsync(JaqmcProcess p, int advance)
    {
        long? first = null;
        while (true)
        {
            if (p.HasExited)
            {
                await p.TryWaitAsync(TimeSpan.FromSeconds(10));
                return true;
            }

            if (LastStep(p.Stdout) is { } step)
            {
                first ??= step;
                if (step - first >= advance)
                {
                    return false;
                }
            }

            await Task.Delay(5);
        }
    }

    private static long? LastStep(string stdout)
    {
        long? last = null;
        foreach (Match m in ProgressLine().Matches(stdout))
        {
            var step = long.Parse(m.Groups["step"].Value, CultureInfo.InvariantCulture);
            last = m.Groups["stage"].Value == "train" ? step : FaultProfile.KillTrainIterations + step;
        }

        return last;
    }

    [GeneratedRegex(@"(?<stage>train|evaluation)\[0\] step=(?<step>\d+)")]
    private static partial Regex ProgressLine();
}
