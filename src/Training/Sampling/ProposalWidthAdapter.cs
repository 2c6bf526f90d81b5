namespace Jaqmc.Training.Sampling;

/// <summary>
/// Adapts the proposal width as JaQMC does: every 100 steps the window's mean pmove is compared with the target
/// band 0.50–0.55 and the width is multiplied or divided by 1.1. The window lives in <see cref="VmcState"/> so it
/// survives a resume.
/// </summary>
internal static class ProposalWidthAdapter
{
    /// <summary>Steps per adaptation window.</summary>
    public const int Window = 100;

    /// <summary>The lower edge of the target acceptance band.</summary>
    public const double LowerTarget = 0.50;

    /// <summary>The upper edge of the target acceptance band.</summary>
    public const double UpperTarget = 0.55;

    private const double Factor = 1.1;

    /// <summary>Adds one step's pmove and adapts the width when the window is full.</summary>
    public static void Observe(VmcState state, double pmove)
    {
        state.PmoveWindowSum += pmove;
        state.PmoveWindowCount++;
        if (state.PmoveWindowCount < Window)
        {
            return;
        }

        var mean = state.PmoveWindowSum / state.PmoveWindowCount;
        if (mean > UpperTarget)
        {
            state.ProposalWidth *= Factor;
        }
        else if (mean < LowerTarget)
        {
            state.ProposalWidth /= Factor;
        }

        state.PmoveWindowSum = 0.0;
        state.PmoveWindowCount = 0;
    }
}
