using System.Diagnostics;
using System.Text.RegularExpressions;
using Jaqmc.Tests.Sinks.Postgres;
using Xunit.Abstractions;

namespace Jaqmc.Tests.EndToEnd.Faults;

/// <summary>
/// Scenario 2: SIGTERM or SIGINT during a stage stops the real program cleanly (exit 0, every queue drained, a
/// checkpoint saved), and the same command then continues with no gap and no duplicate.
/// </summary>
public sealed partial class GracefulStopTests(PostgresFixture server, ITestOutputHelper output) : IClassFixture<PostgresFixture>
{
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(15);

    [Theory]
    [InlineData("TERM", "train", 150)]
    [InlineData("INT", "train", 250)]
    [InlineData("TERM", "evaluation", 40)]
    public async Task Signal_StopsWithEverythingWritten_AndTheRestartContinuesSeamlessly(string signal, string stage, int atStep)
    {
        // A process started as a background job of a shell without job control inherits SIGINT ignored, and so does
        // every child: .NET then keeps ignoring it (as nohup'd programs should). That is the environment's doing, not
        // the program's: say so rather than fail on a missing "Stopped on request".
        Assert.False(
            signal == "INT" && SignalIgnoredHere(2),
            "SIGINT is ignored in this test process (inherited from the shell that started the tests, e.g. a background job of a non-interactive shell), so the program cannot receive it: run the tests in the foreground or from a shell with job control");
        var watch = Stopwatch.StartNew();
        var schema = PostgresFixture.NewSchema();
        var referenceDir = FaultProfile.NewDirectory("stop-reference");
        var stoppedDir = FaultProfile.NewDirectory("stop-" + signal.ToLowerInvariant());
        var timeout = "--Pipeline:ShutdownTimeout=" + ShutdownTimeout.ToString("c", System.Globalization.CultureInfo.InvariantCulture);

        // Long enough stages that the signal, sent when the log shows the step, lands before the stage ends: the
        // default profile's stage takes well under a second on an idle machine, and on a loaded one the test's own
        // reaction (reading the child's output, sending the signal) took over a second (600 evaluation steps were
        // not enough there). 3000 steps of either stage leave several seconds.
        string[] longer = ["--Training:Iterations=3000", "--Evaluation:Iterations=3000"];
        try
        {
            using (var reference = JaqmcProcess.Start(FaultProfile.HeArguments(referenceDir, [.. FaultProfile.PostgresArguments(server.ConnectionString, schema, "reference"), timeout, .. longer])))
            {
                await reference.WaitAsync(TimeSpan.FromMinutes(5));
                Assert.True(reference.ExitCode == 0, $"the uninterrupted run failed ({reference.ExitCode}):\n{reference.Stdout}\n{reference.Stderr}");
            }

            var args = FaultProfile.HeArguments(stoppedDir, [.. FaultProfile.PostgresArguments(server.ConnectionString, schema, "stopped"), timeout, .. longer]);
            TimeSpan stopTook;
            using (var p = JaqmcProcess.Start(args))
            {
                await p.WaitForOutputAsync($"{stage}[0] step={atStep},", TimeSpan.FromMinutes(2));
                var clock = Stopwatch.StartNew();
                p.Signal(signal);
                await p.WaitAsync(ShutdownTimeout + TimeSpan.FromSeconds(5));
                stopTook = clock.Elapsed;
                var log = p.Stdout + p.Stderr;
                Assert.True(p.ExitCode == 0, $"SIG{signal} gave exit {p.ExitCode}:\n{log}");
                Assert.True(stopTook < ShutdownTimeout, $"stopping took {stopTook}, more than Pipeline:ShutdownTimeout");
                Assert.False(
                    log.Contains($"Stage {stage} completed", StringComparison.Ordinal),
                    $"the {stage} stage ended before SIG{signal} landed ({stopTook.TotalSeconds:F1} s after the signal): the test reacted too late to test a stop");
                Assert.Contains("Stopped on request", log, StringComparison.Ordinal);
                Assert.DoesNotContain("Stage evaluation completed", log, StringComparison.Ordinal);

                // One summary per writer, each with nothing left behind.
                var drained = Summary().Matches(log).Select(m => m.Groups["writer"].Value).Order(StringComparer.Ordinal).ToArray();
                Assert.True(
                    drained.SequenceEqual(["Console", "Csv", "Hdf5", "Postgres"]),
                    $"expected a '0 dropped, 0 failed, 0 still queued' summary for each writer, found [{string.Join(", ", drained)}]:\n{log}");
                Assert.NotEmpty(Directory.GetFiles(stoppedDir, $"{stage}_ckpt_*"));
            }

            // The stop checkpointed the last step it recorded, which must not pass for the end of the run.
            Assert.Equal("interrupted", await RunOutputs.LocalRunStatusAsync(stoppedDir));
            Assert.Equal("interrupted", await RunOutputs.RunStatusAsync(server.ConnectionString, schema, "stopped"));

            using (var again = JaqmcProcess.Start(args))
            {
                await again.WaitAsync(TimeSpan.FromMinutes(5));
                Assert.True(again.ExitCode == 0, $"the restart failed ({again.ExitCode}):\n{again.Stdout}\n{again.Stderr}");
                Assert.DoesNotContain($"Stage {stage}: starting at step 0 ", again.Stdout, StringComparison.Ordinal);
            }

            Assert.Equal("completed", await RunOutputs.LocalRunStatusAsync(stoppedDir));
            Assert.Equal("completed", await RunOutputs.RunStatusAsync(server.ConnectionString, schema, "stopped"));
            var csvRows = RunOutputs.AssertSameCsv(referenceDir, stoppedDir);
            var hdf5Rows = RunOutputs.AssertSameHdf5(referenceDir, stoppedDir);
            var values = await RunOutputs.AssertSamePostgresAsync(server.ConnectionString, schema, "reference", schema, "stopped");
            output.WriteLine($"FIGURES graceful-stop SIG{signal} in {stage} at step {atStep}: stop took {stopTook.TotalSeconds:F2}s csvRows={csvRows} hdf5Rows={hdf5Rows} postgresValues={values} runtime={watch.Elapsed.TotalSeconds:F0}s");
        }
        finally
        {
            await server.DropSchemaAsync(schema);
        }
    }

    private static bool SignalIgnoredHere(int signal)
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        var mask = Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16);
        return (mask & (1UL << (signal - 1))) != 0;
    }

    [GeneratedRegex(@"Writer (?<writer>\w+): \d+ written, 0 dropped, 0 failed, 0 still queued")]
    private static partial Regex Summary();
}
