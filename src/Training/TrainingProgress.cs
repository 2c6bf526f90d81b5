namespace Jaqmc.Training;

/// <summary>A snapshot for a live display, reported at most about ten times a second and at the end of each stage.</summary>
/// <param name="Stage">The stage (<c>train</c> or <c>evaluation</c>).</param>
/// <param name="Step">The step just completed.</param>
/// <param name="TotalSteps">The stage's number of steps.</param>
/// <param name="Energy">The mean local energy of that step, in hartree.</param>
/// <param name="Pmove">The Metropolis acceptance of that step.</param>
public readonly record struct TrainingProgress(string Stage, long Step, long TotalSteps, double Energy, double Pmove);
