using System.Diagnostics;
using System.Text.RegularExpressions;
using Jaqmc.Tests.Sinks.Postgres;
using Npgsql;
using Xunit.Abstractions;

namespace Jaqmc.Tests.EndToEnd.Faults;

/// <summary>
/// A permanent PostgreSQL error (here a wrong password) that the spool's uploader meets only while the run drains,
/// after training has ended: the run exits 3 with the same one line as when it meets it during training, and the
/// spool keeps every record for <c>jaqmc sync</c> once the password is fixed. A proxy holds the uploader's
/// connections until the run's stop has begun (<see cref="HeldConnectionsProxy"/>), so its first call fails in the
/// drain on any machine, however loaded.
/// </summary>
public sealed partial class SpoolDrainFailureTests(PostgresFixture server, ITestOutputHelper output) : IClassFixture<PostgresFixture>
{
    [Theory]
    [InlineData(null, "completed")]
    [InlineData("TERM", "interrupted")]
    public async Task WrongPasswordFoundOnlyInTheDrain_ExitsWith3AndOneLine_AndTheSpoolKeepsEverythingForSync(string? signal, string status)
    {
        var watch = Stopwatch.StartNew();
        var schema = PostgresFixture.NewSchema();
        var dir = FaultProfile.NewDirectory("spool-drain-failure");
        var right = new NpgsqlConnectionStringBuilder(server.ConnectionString);
        var wrong = "wrong-" + Guid.NewGuid().ToString("N");
        await using var proxy = new HeldConnectionsProxy(right.Port);

        // Timeout: Npgsql's connect timeout (15 s by default) must not end a held call before the test releases it.
        var throughProxy = server.ConnectionStringWith(b => (b.Port, b.Password, b.Timeout) = (proxy.Port, wrong, 600));
        string[] run = signal is null ? [] : ["--Training:Iterations=100000000"];
        try
        {
            using (var p = JaqmcProcess.Start(FaultProfile.HeArguments(dir, [.. FaultProfile.PostgresArguments(throughProxy, schema, "drain"), "--Pipeline:ShutdownTimeout=00:10:00", .. run])))
            {
                if (signal is not null)
                {
                    await p.WaitForOutputAsync("train[0] step=100,", TimeSpan.FromMinutes(2));
                    p.Signal(signal);
                }

                // The writers' summary is logged at the stop, after training has ended and before the spool drains.
                await p.WaitForAsync(() => Summary().IsMatch(p.Stdout + p.Stderr), "summing up the writers", TimeSpan.FromMinutes(2));
                Assert.DoesNotContain("uploading the spool failed", p.Stdout + p.Stderr, StringComparison.Ordinal);
                proxy.Release();
                await p.WaitAsync(TimeSpan.FromMinutes(2));

                var log = p.Stdout + p.Stderr;
                Assert.True(p.ExitCode == 3, $"a wrong password found in the drain gave exit {p.ExitCode}:\n{log}");
                var failed = UploadFailed().Matches(log);
                Assert.True(failed.Count == 1, $"expected one line saying the upload failed and why, found {failed.Count}:\n{log}");
                Assert.Contains("password authentication failed", failed[0].Value, StringComparison.Ordinal);
                Assert.Single(SpooledLine().Matches(log));
                Assert.DoesNotContain(wrong, log, StringComparison.Ordinal);
                Assert.DoesNotContain(right.Password!, log, StringComparison.Ordinal);
                Assert.True(proxy.Accepted > 0, "the uploader never connected");
                output.WriteLine($"drain failure ({signal ?? "run completed"}): exit {p.ExitCode}; {failed[0].Value.Trim()}");
            }

            Assert.NotEmpty(RunFiles.SpoolSegments(dir));
            using (var sync = await JaqmcProcess.RunAsync(["sync", dir, .. FaultProfile.PostgresArguments(server.ConnectionString, schema, "drain")]))
            {
                Assert.True(sync.ExitCode == 0, $"jaqmc sync with the right password exited {sync.ExitCode}:\n{sync.Stdout}\n{sync.Stderr}");
            }

            var csv = RunOutputs.CsvAsLongTable(dir);
            var postgres = await RunOutputs.ReadPostgresAsync(server.ConnectionString, schema, "drain");
            Assert.NotEmpty(csv);
            Assert.Equal(csv, postgres);
            Assert.Equal(status, await RunOutputs.RunStatusAsync(server.ConnectionString, schema, "drain"));
            Assert.Empty(RunFiles.SpoolSegments(dir));
            output.WriteLine($"FIGURES spool-drain-failure {signal ?? "completed"}: {csv.Count} values synced afterwards, {watch.Elapsed.TotalSeconds:F0} s");
        }
        finally
        {
            await server.DropSchemaAsync(schema);
        }
    }

    [GeneratedRegex(@"Writer Postgres: \d+ written, 0 dropped, 0 failed, 0 still queued")]
    private static partial Regex Summary();

    [GeneratedRegex(@"Writer Postgres: uploading the spool failed and stops: .*rejected the credentials.*")]
    private static partial Regex UploadFailed();

    [GeneratedRegex(@"Writer Postgres: \d+ record\(s\) and \d+ stage open/close frame\(s\) are spooled in .* 'jaqmc sync [^']+' uploads them")]
    private static partial Regex SpooledLine();
}
