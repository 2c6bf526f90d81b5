using System.Text.Json;
using Jaqmc.Tests.EndToEnd;
using Jaqmc.Tests.Sinks.Postgres;

namespace Jaqmc.Tests.Cli;

/// <summary>The reading verbs against a run recorded in PostgreSQL (and, for comparison, in CSV).</summary>
public sealed class CliPostgresTests(ManagedPostgresRun run) : IClassFixture<ManagedPostgresRun>
{
    private readonly ManagedPostgresRun _run = run;

    private string RunDirectory => _run.RunDirectory;

    [Fact]
    public async Task Runs_Json_ListsTheDatabaseRun()
    {
        using var p = await Verb("runs", "--json", "--connection", _run.ConnectionString);

        Assert.True(p.ExitCode == 0, p.Stderr);
        using var json = JsonDocument.Parse(p.Stdout);
        var run = Assert.Single(json.RootElement.EnumerateArray(), r => r.GetProperty("source").GetString() == "postgres");
        Assert.Equal(_run.Name, run.GetProperty("name").GetString());
        Assert.Equal("completed", run.GetProperty("status").GetString());
        Assert.Equal(["train", "evaluation"], run.GetProperty("stages").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        Assert.Equal([49L, 19L], run.GetProperty("stages").EnumerateArray().Select(s => s.GetProperty("lastStep").GetInt64()));
    }

    [Fact]
    public async Task Show_UsesConnectionStringsStats_AndPrintsTheRecordedConfiguration()
    {
        using var p = await JaqmcProcess.RunAsync(
            ["show", _run.Name, "--Writers:Postgres:Schema=" + _run.Schema],
            new Dictionary<string, string?> { ["JAQMC_ConnectionStrings__Stats"] = _run.ConnectionString });

        Assert.True(p.ExitCode == 0, p.Stderr);
        Assert.Contains("recorded in PostgreSQL", p.Stdout, StringComparison.Ordinal);
        var lines = p.Stdout.Split('\n').Select(l => l.Trim()).ToArray();
        Assert.Contains("Training:Walkers = 256", lines);
        Assert.Contains("Training:Iterations = 50", lines);
        Assert.Contains("Evaluation:Iterations = 20", lines);
        Assert.Matches(@"Evaluation energy: -2\.\d{6} ± 0\.\d{6} Ha \(20 steps", p.Stdout);
    }

    [Theory]
    [InlineData("train")]
    [InlineData("evaluation")]
    public async Task Export_FromPostgres_EqualsTheCsvWritersFile(string stage)
    {
        var output = Path.Combine(_run.Scratch, "export-" + stage);

        using var p = await Verb("export", _run.Name, "--to", "csv", "--stage", stage, "-o", output, "-c", _run.ConnectionString);

        Assert.True(p.ExitCode == 0, p.Stderr);
        Assert.Equal(
            await File.ReadAllBytesAsync(Path.Combine(RunDirectory, $"{stage}_stats.csv")),
            await File.ReadAllBytesAsync(Path.Combine(output, $"{stage}_stats.csv")));
    }

    [Fact]
    public async Task Plot_FromPostgres_WritesAPng()
    {
        var output = Path.Combine(_run.Scratch, "pg.png");

        using var p = await Verb("plot", _run.Name, "-o", output, "-c", _run.ConnectionString, "--width", "700", "--height", "400");

        Assert.True(p.ExitCode == 0, p.Stderr);
        var bytes = await File.ReadAllBytesAsync(output);
        Assert.Equal(700, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)));
        Assert.Equal(400, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
    }

    [Fact]
    public async Task UnknownRun_Exits1_NamingTheRunsThereAre()
    {
        using var p = await Verb("show", "no-such-run", "-c", _run.ConnectionString);

        Assert.Equal(1, p.ExitCode);
        var line = Assert.Single(p.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(_run.Name, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_TitlesEachStageWithItsExtentFromTheSummaries()
    {
        using var p = await Verb("show", _run.Name, "-c", _run.ConnectionString);

        Assert.True(p.ExitCode == 0, p.Stderr);
        Assert.Contains("train: steps 0–49, ", p.Stdout, StringComparison.Ordinal);
        Assert.Contains("evaluation: steps 0–19, ", p.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SchemaOlderThanVersion3_Exits1_SayingTheNextWriterUpgradesIt()
    {
        var old = PostgresServer.NewSchema();
        try
        {
            await using (var db = await _run.Server.OpenAsync())
            {
                await Jaqmc.Sinks.Postgres.PostgresSchema.EnsureAsync(db, old, CancellationToken.None, upToVersion: 2);
                await Dapper.SqlMapper.ExecuteAsync(db, $"""INSERT INTO "{old}".runs (name, host) VALUES ('old run', 'h')""");
            }

            using var p = await JaqmcProcess.RunAsync(["runs", _run.Root, "-c", _run.ConnectionString, "--Writers:Postgres:Schema=" + old]);

            Assert.Equal(1, p.ExitCode);
            var line = Assert.Single(p.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains("is at version 2; reading needs version 3", line, StringComparison.Ordinal);
        }
        finally
        {
            await _run.Server.DropSchemaAsync(old);
        }
    }

    private Task<JaqmcProcess> Verb(params string[] args) =>
        JaqmcProcess.RunAsync([.. args, "--Writers:Postgres:Schema=" + _run.Schema]);
}
