using System.Globalization;
using System.Text.Json;
using Jaqmc.Tests.EndToEnd;
using Jaqmc.Tests.Sinks.Postgres;
using Npgsql;

namespace Jaqmc.Tests.Dashboard;

/// <summary>
/// The dashboard over PostgreSQL: a helium run written by <c>jaqmc train</c> is listed with its host, status and
/// evaluation energy, and its curve's buckets (from <c>jaqmc.curve()</c>) and a live tail's equal a direct
/// computation over <c>stat_values</c>. Needs PostgreSQL (TEST_POSTGRES_CONNECTION or Docker); fails without it.
/// </summary>
public sealed class DashboardPostgresTests(PostgresFixture database) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task RunFromPostgres_IsListed_AndItsCurveEqualsADirectComputation()
    {
        var schema = PostgresFixture.NewSchema();
        try
        {
            const string run = "dashboard-he";
            using (var train = await JaqmcProcess.RunAsync(
                ["train", "--system", "He", "-w", DashboardProcess.NewRoot("pg-run"), "--name", run, "--iterations", "300", "--eval-iterations", "40", "--walkers", "128", "--no-progress",
                 "--ConnectionStrings:Stats=" + database.ConnectionString, "--Writers:Postgres:Schema=" + schema]))
            {
                Assert.True(train.ExitCode == 0, $"training failed ({train.ExitCode}):\n{train.Stdout}\n{train.Stderr}");
            }

            using var dashboard = await DashboardProcess.StartAsync([DashboardProcess.NewRoot("pg-empty"), "-c", database.ConnectionString, "--Writers:Postgres:Schema=" + schema]);
            var runs = await dashboard.GetJsonAsync("/api/runs");
            var curve = await dashboard.GetJsonAsync("/api/curve?run=pg:" + run + "&points=37");
            var zoom = await dashboard.GetJsonAsync("/api/curve?run=pg:" + run + "&from=100&to=140&points=8");
            var detail = await dashboard.GetJsonAsync("/api/run?id=pg:" + run);
            var tail = await dashboard.GetJsonAsync("/api/curve?run=pg:" + run + "&since=100&width=6");

            var listed = Assert.Single(runs.GetProperty("runs").EnumerateArray());
            Assert.Equal("pg:" + run, listed.GetProperty("id").GetString());
            Assert.Equal("completed", listed.GetProperty("status").GetString());
            Assert.False(string.IsNullOrEmpty(listed.GetProperty("host").GetString()));
            Assert.Equal(["train", "evaluation"], listed.GetProperty("stages").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
            Assert.Equal(await EvaluationMeanAsync(schema, run), listed.GetProperty("evaluation").GetProperty("mean").GetDouble(), 10);
            Assert.Equal("128", detail.GetProperty("config").GetProperty("Training").GetProperty("Walkers").ToString());
            Assert.Equal(128, detail.GetProperty("walkers").GetInt32());
            Assert.Contains("total_energy_var", detail.GetProperty("keys").GetProperty("train").EnumerateArray().Select(k => k.GetString()));
            await AssertBucketsAsync(schema, run, curve, from: 0, to: 299, width: 9);
            await AssertBucketsAsync(schema, run, zoom, from: 100, to: 140, width: 6);
            Assert.Equal(96, tail.GetProperty("since").GetInt64());
            await AssertBucketsAsync(schema, run, tail, from: 96, to: 299, width: 6);
        }
        finally
        {
            await database.DropSchemaAsync(schema);
        }
    }

    [Fact]
    public async Task ResumedTwice_ThePostgresRunMarksEachRestartAtItsInitialStep()
    {
        var schema = PostgresFixture.NewSchema();
        try
        {
            const string run = "dashboard-resumed";
            var directory = Path.Combine(DashboardProcess.NewRoot("pg-resumes"), "he");
            foreach (var iterations in new[] { "40", "70", "100" })
            {
                using var train = await JaqmcProcess.RunAsync(
                    ["train", "--system", "He", "-w", directory, "--name", run, "--iterations", iterations, "--eval-iterations", "0", "--walkers", "64", "--no-progress",
                     "--ConnectionStrings:Stats=" + database.ConnectionString, "--Writers:Postgres:Schema=" + schema]);
                Assert.True(train.ExitCode == 0, $"training to {iterations} failed ({train.ExitCode}):\n{train.Stdout}\n{train.Stderr}");
            }

            using var dashboard = await DashboardProcess.StartAsync([DashboardProcess.NewRoot("pg-resumes-empty"), "-c", database.ConnectionString, "--Writers:Postgres:Schema=" + schema]);
            var runs = await dashboard.GetJsonAsync("/api/runs");

            var stage = Assert.Single(Assert.Single(runs.GetProperty("runs").EnumerateArray()).GetProperty("stages").EnumerateArray());
            Assert.Equal(0, stage.GetProperty("firstStep").GetInt64());
            Assert.Equal(99, stage.GetProperty("lastStep").GetInt64());
            Assert.Equal([40L, 70L], stage.GetProperty("resumes").EnumerateArray().Select(r => r.GetInt64()));
        }
        finally
        {
            await database.DropSchemaAsync(schema);
        }
    }

    private async Task AssertBucketsAsync(string schema, string run, JsonElement curve, long from, long to, long width)
    {
        await using var connection = await database.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"""
            SELECT min(v.step), max(v.step), count(*), min(v.value), max(v.value), avg(v.value)
            FROM {schema}.stat_values v
            JOIN {schema}.run_stages st ON st.id = v.stage_id JOIN {schema}.runs r ON r.id = st.run_id
            JOIN {schema}.stat_keys k ON k.id = v.key_id
            WHERE r.name = @run AND st.stage = 'train' AND k.name = 'total_energy' AND v.step BETWEEN @from AND @to
            GROUP BY v.step / @width ORDER BY 1
            """,
            connection);
        command.Parameters.AddWithValue("run", run);
        command.Parameters.AddWithValue("from", from);
        command.Parameters.AddWithValue("to", to);
        command.Parameters.AddWithValue("width", width);
        await using var reader = await command.ExecuteReaderAsync();
        var b = 0;
        while (await reader.ReadAsync())
        {
            Assert.Equal(reader.GetInt64(0), curve.GetProperty("step")[b].GetInt64());
            Assert.Equal(reader.GetInt64(1), curve.GetProperty("lastStep")[b].GetInt64());
            Assert.Equal(reader.GetInt64(2), curve.GetProperty("count")[b].GetInt64());
            Assert.Equal(reader.GetDouble(3), curve.GetProperty("min")[b].GetDouble());
            Assert.Equal(reader.GetDouble(4), curve.GetProperty("max")[b].GetDouble());
            Assert.Equal(reader.GetDouble(5), curve.GetProperty("mean")[b].GetDouble(), 12);
            b++;
        }

        Assert.Equal(width, curve.GetProperty("stepsPerBucket").GetInt64());
        Assert.Equal(b, curve.GetProperty("step").GetArrayLength());
        Assert.True(b > 0, string.Create(CultureInfo.InvariantCulture, $"no values of run {run} in [{from}, {to}]"));
    }

    private async Task<double> EvaluationMeanAsync(string schema, string run)
    {
        await using var connection = await database.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"""
            SELECT avg(v.value) FROM {schema}.stat_values v
            JOIN {schema}.run_stages st ON st.id = v.stage_id JOIN {schema}.runs r ON r.id = st.run_id
            JOIN {schema}.stat_keys k ON k.id = v.key_id
            WHERE r.name = @run AND st.stage = 'evaluation' AND k.name = 'total_energy'
            """,
            connection);
        command.Parameters.AddWithValue("run", run);
        return (double)(await command.ExecuteScalarAsync())!;
    }
}
