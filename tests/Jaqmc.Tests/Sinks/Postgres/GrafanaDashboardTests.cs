using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using Jaqmc.Sinks;
using Jaqmc.Sinks.Postgres;
using Microsoft.Extensions.Logging.Abstractions;
using YamlDotNet.RepresentationModel;

namespace Jaqmc.Tests.Sinks.Postgres;

/// <summary>
/// The Grafana dashboard under docs/grafana, which no Grafana can load here: every SQL query in its JSON (variables
/// and panels) is run against a real database that a writer filled, with the variables substituted as Grafana's SQL
/// datasources do (single values with <c>'</c> doubled, multi-values quoted and comma-separated); and the compose
/// stack provisions it.
/// </summary>
public sealed partial class GrafanaDashboardTests(PostgresFixture server) : IClassFixture<PostgresFixture>, IAsyncLifetime
{
    private static readonly string Root = FindRoot();
    private static readonly string DashboardPath = Path.Combine(Root, "docs", "grafana", "dashboards", "jaqmc-runs.json");

    // A run name with a quote: the substitution must keep it one SQL literal.
    private const string QuotedRun = "h2 'lr=0.05'";

    private readonly string _schema = PostgresServer.NewSchema();
    private readonly string _directory = Directory.CreateTempSubdirectory("jaqmc-grafana-").FullName;

    public async Task InitializeAsync()
    {
        var keys = new StatsKeys("pmove", "total_energy", "total_energy_var");
        foreach (var (run, steps) in new[] { (QuotedRun, 3000), ("h2-lr0.02", 500) })
        {
            foreach (var stage in new[] { "train", "evaluation" })
            {
                await using var writer = new PostgresStatsWriter(
                    new PostgresWriterOptions { Enabled = true, ConnectionString = server.ConnectionString, Schema = _schema },
                    NullLogger<PostgresStatsWriter>.Instance);
                await writer.OpenAsync(new WriterContext(_directory, stage, 0, run), CancellationToken.None);
                var records = Enumerable.Range(0, stage == "train" ? steps : 100)
                    .Select(s => new StatsRecord(stage, s, keys, [0.5, -1.17 + (1.0 / (s + 1)), 0.01]))
                    .ToList();
                await writer.WriteAsync(records, CancellationToken.None);
                await writer.CloseAsync(StageOutcome.Completed, CancellationToken.None);
            }
        }
    }

    public async Task DisposeAsync()
    {
        await server.DropSchemaAsync(_schema);
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task EveryQueryOfTheDashboard_RunsAgainstARealDatabase_AndReturnsTheColumnsItsPanelNeeds()
    {
        using var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(DashboardPath));
        var variables = dashboard.RootElement.GetProperty("templating").GetProperty("list").EnumerateArray().ToList();
        var values = new Dictionary<string, (string[] Values, bool Multi)>
        {
            ["run"] = ([QuotedRun], false),
            ["stage"] = (["train"], false),
            ["key"] = (["total_energy"], false),
            ["compare"] = ([QuotedRun, "h2-lr0.02"], true),
            ["from_step"] = (["100"], false),
            ["to_step"] = (["400"], false),
        };
        Assert.Equal(values.Keys.Order(), variables.Select(v => v.GetProperty("name").GetString()!).Order());

        await using var db = await server.OpenAsync();

        // Each query variable lists the value the panels are then run with.
        foreach (var variable in variables.Where(v => v.GetProperty("type").GetString() == "query"))
        {
            var name = variable.GetProperty("name").GetString()!;
            var listed = (await db.QueryAsync<string>(Substitute(variable.GetProperty("query").GetString()!, values))).ToList();
            Assert.True(values[name].Values.All(listed.Contains), $"variable {name} lists [{string.Join(", ", listed)}]");
        }

        var expectedColumns = new Dictionary<int, string[]>
        {
            [1] = ["step", "min", "max", "mean", "last"],
            [2] = ["step", "min", "max", "mean", "last"],
            [3] = ["step", "run", "energy"],
            [4] = ["key", "step", "value"],
            [5] = ["run", "status", "stage", "stage_status", "first_step", "last_step", "values", "last_energy", "updated_at"],
        };
        var panels = dashboard.RootElement.GetProperty("panels").EnumerateArray().ToList();
        Assert.Equal(expectedColumns.Keys.Order(), panels.Select(p => p.GetProperty("id").GetInt32()).Order());
        foreach (var panel in panels)
        {
            var id = panel.GetProperty("id").GetInt32();
            var sql = Assert.Single(panel.GetProperty("targets").EnumerateArray()).GetProperty("rawSql").GetString()!;
            await using var reader = await db.ExecuteReaderAsync(Substitute(sql, values));
            var columns = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToArray();
            var rows = 0;
            while (await reader.ReadAsync())
            {
                rows++;
            }

            Assert.Equal(expectedColumns[id], columns);
            Assert.True(rows > 0, $"panel {id} ({panel.GetProperty("title").GetString()}) returned no rows");
            if (id == 2)
            {
                Assert.Equal(301, rows); // steps 100..400 of a 3,000-step run: one bucket per step
            }
        }
    }

    [Fact]
    public void ComposeStack_ProvisionsTheDatasourceAndDashboard_ThePanelsUse()
    {
        var compose = LoadYaml(Path.Combine(Root, "docker-compose.yml"));
        var grafana = (YamlMappingNode)((YamlMappingNode)compose["services"])["grafana"];
        var mounts = ((YamlSequenceNode)grafana["volumes"]).Select(v => ((YamlScalarNode)v).Value!).ToList();
        Assert.Contains("./docs/grafana/provisioning:/etc/grafana/provisioning:ro", mounts);
        Assert.Contains("./docs/grafana/dashboards:/var/lib/grafana/dashboards:ro", mounts);
        Assert.Equal("127.0.0.1:3000:3000", ((YamlScalarNode)((YamlSequenceNode)grafana["ports"])[0]).Value);

        var datasource = (YamlMappingNode)((YamlSequenceNode)LoadYaml(Path.Combine(Root, "docs", "grafana", "provisioning", "datasources", "jaqmc.yml"))["datasources"])[0];
        var provider = (YamlMappingNode)((YamlSequenceNode)LoadYaml(Path.Combine(Root, "docs", "grafana", "provisioning", "dashboards", "jaqmc.yml"))["providers"])[0];
        Assert.Equal("/var/lib/grafana/dashboards", ((YamlScalarNode)((YamlMappingNode)provider["options"])["path"]).Value);

        using var dashboard = JsonDocument.Parse(File.ReadAllText(DashboardPath));
        var uids = dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .Concat(dashboard.RootElement.GetProperty("templating").GetProperty("list").EnumerateArray().Where(v => v.TryGetProperty("datasource", out _)))
            .Select(p => p.GetProperty("datasource").GetProperty("uid").GetString())
            .Distinct()
            .ToList();
        Assert.Equal([((YamlScalarNode)datasource["uid"]).Value], uids);
    }

    /// <summary>
    /// Grafana's SQL datasources: a single value is inserted with <c>'</c> doubled (the query quotes it), a multi-value
    /// as quoted literals joined by commas. The dashboard's schema <c>jaqmc</c> becomes the test's own.
    /// </summary>
    private string Substitute(string sql, Dictionary<string, (string[] Values, bool Multi)> values)
    {
        var replaced = VariablePattern().Replace(sql, m =>
        {
            var (list, multi) = values[m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value];
            return multi
                ? string.Join(',', list.Select(v => "'" + v.Replace("'", "''", StringComparison.Ordinal) + "'"))
                : list[0].Replace("'", "''", StringComparison.Ordinal);
        });
        return replaced.Replace("jaqmc.", $"\"{_schema}\".", StringComparison.Ordinal);
    }

    [GeneratedRegex(@"\$\{(\w+)\}|\$(\w+)")]
    private static partial Regex VariablePattern();

    private static YamlMappingNode LoadYaml(string path)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(path);
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Jaqmc.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Repository root (Jaqmc.sln) not found above " + AppContext.BaseDirectory);
    }
}
