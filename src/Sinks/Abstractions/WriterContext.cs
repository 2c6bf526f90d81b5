namespace Jaqmc.Sinks;

/// <summary>What a writer is told when a stage opens it.</summary>
/// <param name="WorkingDirectory">The run's working directory (absolute). File writers resolve relative paths under it.</param>
/// <param name="Stage">The stage name, such as <c>train</c> or <c>evaluation</c>. Never empty, never a path.</param>
/// <param name="InitialStep">
/// The first step this stage will write. On a fresh start it is 0; on a resume it is the checkpoint's step + 1 and
/// the writer must discard anything it holds at or after it.
/// </param>
/// <param name="RunName">The run's name: <c>Run:Name</c>, or the working directory's full path when unset.</param>
/// <param name="RunConfiguration">The run's effective configuration as a JSON object (for writers that store it), or null.</param>
public sealed record WriterContext(
    string WorkingDirectory,
    string Stage,
    long InitialStep,
    string RunName,
    string? RunConfiguration = null);
