using System.Text.Json.Nodes;

namespace Jaqmc.Cli.Dashboard;

/// <summary>What a run's page shows besides its row: configuration, keys per stage, walkers and files.</summary>
/// <param name="Run">The run's row.</param>
/// <param name="Config">The configuration it ran with: <c>runs.config</c> in PostgreSQL, the run directory's settings file; null when not recorded.</param>
/// <param name="Keys">Per stage, the keys it holds, in ordinal order.</param>
/// <param name="Walkers">The walker count (for the energy's error band), when recorded.</param>
/// <param name="Files">The run directory's files (name and bytes); empty for PostgreSQL.</param>
internal sealed record RunDetail(DashboardRun Run, JsonNode? Config, IReadOnlyDictionary<string, IReadOnlyList<string>> Keys, int? Walkers, IReadOnlyList<RunFile> Files);
