using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Jaqmc.Tests.Sinks.Postgres;

/// <summary>
/// docker-compose.yml and the Dockerfile at the repository root, parsed and checked for what the stack needs (paths,
/// health check, environment). Not validated by <c>docker compose config</c>: the Compose v2 plugin is not in
/// Debian 12 (CI's machines), and Debian's docker-compose 1.29 rejects the file's top-level <c>name</c>.
/// </summary>
public sealed partial class PostgresDockerComposeTests
{
    private static readonly string Root = FindRoot();

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

    private static YamlMappingNode Compose()
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(Path.Combine(Root, "docker-compose.yml"));
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static YamlMappingNode Map(YamlNode node, string key) => (YamlMappingNode)((YamlMappingNode)node)[key];

    private static string Scalar(YamlNode node, string key) => ((YamlScalarNode)((YamlMappingNode)node)[key]).Value!;

    [Fact]
    public void Postgres_IsVersion16_WithAHealthCheckAndANamedVolume()
    {
        var compose = Compose();
        var postgres = Map(Map(compose, "services"), "postgres");

        Assert.StartsWith("postgres:16", Scalar(postgres, "image"), StringComparison.Ordinal);
        Assert.Contains("pg_isready", Map(postgres, "healthcheck")["test"].ToString(), StringComparison.Ordinal);
        var volume = ((YamlScalarNode)((YamlSequenceNode)postgres["volumes"])[0]).Value!;
        var name = volume.Split(':')[0];
        Assert.Contains(new YamlScalarNode(name), Map(compose, "volumes").Children.Keys);
        Assert.EndsWith(":/var/lib/postgresql/data", volume, StringComparison.Ordinal);
    }

    [Fact]
    public void Service_IsBuiltFromTheRootDockerfile_AndPointedAtPostgres()
    {
        var services = Map(Compose(), "services");
        var jaqmc = Map(services, "jaqmc");
        var build = Map(jaqmc, "build");
        var context = Path.GetFullPath(Path.Combine(Root, Scalar(build, "context")));

        Assert.True(File.Exists(Path.Combine(context, Scalar(build, "dockerfile"))), "the Dockerfile named by the compose file exists");
        Assert.Equal("service_healthy", Scalar(Map(Map(jaqmc, "depends_on"), "postgres"), "condition"));
        var environment = Map(jaqmc, "environment");
        Assert.Equal("true", Scalar(environment, "JAQMC_Writers__Postgres__Enabled"));
        var connection = Scalar(environment, "JAQMC_ConnectionStrings__Stats");
        Assert.Contains("Host=postgres", connection, StringComparison.Ordinal);
        Assert.Contains("Database=" + Scalar(Map(Map(services, "postgres"), "environment"), "POSTGRES_DB"), connection, StringComparison.Ordinal);
        Assert.Contains("adminer", Scalar(Map(services, "adminer"), "image"), StringComparison.Ordinal);
    }

    [Fact]
    public void Dockerfile_BuildsTheServiceInAnSdkStage_AndRunsJaqmcDllOnTheRuntime()
    {
        var lines = File.ReadAllLines(Path.Combine(Root, "Dockerfile"))
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .ToList();
        var stages = lines.Where(l => l.StartsWith("FROM ", StringComparison.Ordinal)).ToList();

        Assert.True(stages.Count >= 2, "multi-stage");
        Assert.Contains("dotnet/sdk:10.0", stages[0], StringComparison.Ordinal);
        Assert.Contains("dotnet/runtime:10.0", stages[^1], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith("RUN dotnet publish src/Cli/", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("ENTRYPOINT", StringComparison.Ordinal) && l.Contains("jaqmc.dll", StringComparison.Ordinal));
        Assert.Contains("<AssemblyName>jaqmc</AssemblyName>", File.ReadAllText(Path.Combine(Root, "src/Cli/Jaqmc.Cli.csproj")), StringComparison.Ordinal);

        // Every path copied from the build context exists (COPY --from copies between stages, not from it).
        foreach (var copy in lines.Where(l => l.StartsWith("COPY ", StringComparison.Ordinal) && !l.Contains("--from", StringComparison.Ordinal)))
        {
            var parts = copy.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            foreach (var source in parts[1..^1])
            {
                Assert.True(File.Exists(Path.Combine(Root, source)) || Directory.Exists(Path.Combine(Root, source)), $"'{copy}': {source} is missing");
            }
        }
    }

    [Fact]
    public void Dockerfile_PublishesAProjectThatExists()
    {
        var publish = File.ReadAllLines(Path.Combine(Root, "Dockerfile")).Single(l => l.StartsWith("RUN dotnet publish", StringComparison.Ordinal));
        var project = ProjectPath().Match(publish).Value;

        Assert.True(File.Exists(Path.Combine(Root, project)), project);
    }

    [GeneratedRegex(@"src/\S+\.csproj")]
    private static partial Regex ProjectPath();
}
