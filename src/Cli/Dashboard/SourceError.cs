namespace Jaqmc.Cli.Dashboard;

/// <summary>Why one source of the runs list could not be read (the others still list their runs).</summary>
/// <param name="Source">The source, as runs name it: <c>postgres</c> or <c>dir</c>.</param>
/// <param name="Error">Its message, such as <c>PostgreSQL unreachable: Failed to connect to ...</c>; never the connection string.</param>
internal sealed record SourceError(string Source, string Error);
