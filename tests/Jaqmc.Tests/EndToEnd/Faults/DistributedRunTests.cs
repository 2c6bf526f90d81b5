using Jaqmc.Tests.Sinks.Postgres;
using Npgsql;
using Xunit.Abstractions;

namespace Jaqmc.Tests.EndToEnd.Faults;

/// <summary>
/// Scenario 7: processes of one distributed run share a working directory and a run name; only process 0 writes
/// (statistics and checkpoints, as in JaQMC), the others compute and exit 0.
/// </summary>
public sealed class DistributedRunTests(PostgresFixture server, ITestOutputHelper output) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task NonMasterProcess_WritesNoFileAndNoRow()
    {
        var schema = PostgresFixture.NewSchema();
        var dir = FaultProfile.NewDirectory("distributed-worker");
        try
        {
            using var worker = JaqmcProcess.Start(FaultProfile.HeArguments(dir, [.. FaultProfile.PostgresArguments(server.ConnectionString, schema, "shared"), "--Distributed:ProcessIndex=1"]));
            await worker.WaitAsync(TimeSpan.FromMinutes(5));

            Assert.True(worker.ExitCode == 0, $"process 1 exited {worker.ExitCode}:\n{worker.Stdout}\n{worker.Stderr}");
            Assert.Contains("This is not the master process", worker.Stdout, StringComparison.Ordinal);
            var files = Directory.Exists(dir) ? Directory.GetFiles(dir).Select(Path.GetFileName).ToArray() : [];
            Assert.True(files.Length == 0, $"process 1 wrote files: {string.Join(", ", files)}");
            Assert.False(await SchemaExistsAsync(schema), $"process 1 created schema {schema} in PostgreSQL");
        }
        finally
        {
            await server.DropSchemaAsync(schema);
        }
    }

    [Fact]
    public async Task TwoProcessesInOneDirectory_LeaveExactlyWhatOneProcessLeaves()
    {
        var schema = PostgresFixture.NewSchema();
        var referenceDir = FaultProfile.NewDirectory("distributed-reference");
        var sharedDir = FaultProfile.NewDirectory("distributed-shared");
        try
        {
            using (var reference = JaqmcProcess.Start(FaultProfile.HeArguments(referenceDir, FaultProfile.PostgresArguments(server.ConnectionString, schema, "reference"))))
            {
                await reference.WaitAsync(TimeSpan.FromMinutes(5));
                Assert.True(reference.ExitCode == 0, $"the single-process run failed ({reference.ExitCode}):\n{reference.Stdout}\n{reference.Stderr}");
            }

            var shared = FaultProfile.PostgresArguments(server.ConnectionString, schema, "shared");
            using var master = JaqmcProcess.Start(FaultProfile.HeArguments(sharedDir, [.. shared, "--Distributed:ProcessIndex=0"]));
            using var worker = JaqmcProcess.Start(FaultProfile.HeArguments(sharedDir, [.. shared, "--Distributed:ProcessIndex=1"]));
            await Task.WhenAll(master.WaitAsync(TimeSpan.FromMinutes(5)), worker.WaitAsync(TimeSpan.FromMinutes(5)));

            Assert.True(master.ExitCode == 0, $"process 0 exited {master.ExitCode}:\n{master.Stdout}\n{master.Stderr}");
            Assert.True(worker.ExitCode == 0, $"process 1 exited {worker.ExitCode}:\n{worker.Stdout}\n{worker.Stderr}");
            var csvRows = RunOutputs.AssertSameCsv(referenceDir, sharedDir);
            RunOutputs.AssertSameHdf5(referenceDir, sharedDir);
            var values = await RunOutputs.AssertSamePostgresAsync(server.ConnectionString, schema, "reference", schema, "shared");

            // The same checkpoints as one process leaves: nobody else wrote or pruned them.
            Assert.Equal(
                Directory.GetFiles(referenceDir).Select(Path.GetFileName).Order(StringComparer.Ordinal),
                Directory.GetFiles(sharedDir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            Assert.DoesNotContain("Writer ", worker.Stdout, StringComparison.Ordinal);
            output.WriteLine($"FIGURES distributed: csvRows={csvRows} postgresValues={values}");
        }
        finally
        {
            await server.DropSchemaAsync(schema);
        }
    }

    private async Task<bool> SchemaExistsAsync(string schema)
    {
        await using var connection = new NpgsqlConnection(server.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM information_schema.schemata WHERE schema_name = @s", connection);
        command.Parameters.AddWithValue("s", schema);
        return (long)(await command.ExecuteScalarAsync())! > 0;
    }
}
