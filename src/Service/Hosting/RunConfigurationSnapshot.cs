using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;

namespace Jaqmc.Service;

/// <summary>The run's effective configuration as JSON, for writers that store it (connection strings left out).</summary>
public sealed class RunConfigurationSnapshot
{
    private static readonly string[] Sections = ["Run", "Training", "Evaluation", "Pipeline", "Writers", "Distributed"];

    /// <summary>Takes the snapshot.</summary>
    public RunConfigurationSnapshot(IConfiguration configuration)
    {
        var root = new JsonObject();
        foreach (var name in Sections)
        {
            var section = configuration.GetSection(name);
            if (section.Exists())
            {
                root[name] = ToNode(section);
            }
        }

        Json = root.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
    }

    /// <summary>The configuration as a JSON object.</summary>
    public string Json { get; }

    private static JsonNode? ToNode(IConfigurationSection section)
    {
        var children = section.GetChildren().ToArray();
        if (children.Length == 0)
        {
            return section.Value is null ? null : JsonValue.Create(section.Value);
        }

        var obj = new JsonObject();
        foreach (var child in children)
        {
            if (child.Key.Contains("ConnectionString", StringComparison.OrdinalIgnoreCase)
                || child.Key.Contains("Password", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            obj[child.Key] = ToNode(child);
        }

        return obj;
    }
}
