namespace Jaqmc.Cli.Dashboard;

/// <summary>A file of a run directory.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Bytes">Its size.</param>
internal sealed record RunFile(string Name, long Bytes);
