using System.Diagnostics;
using Jaqmc.Tests.Sinks.Postgres;
using Xunit.Abstractions;

namespace Jaqmc.Tests.EndToEnd.Faults;

/// <summary>Scenario 1 against the shared server: <c>TEST_POSTGRES_CONNECTION</c>, or else a container.</summary>
public sealed class KillResumeTests(PostgresFixture server, ITestOutputHelper output) : KillResumeSuite(server, output), IClassFixture<PostgresFixture>;

/// <summary>
/// Scenario 1 against a container that Testcontainers starts from <c>TEST_POSTGRES_IMAGE</c>, whatever
/// <c>TEST_POSTGRES_CONNECTION</c> says; the output names the image, the container and its port.
/// </summary>
[Collection(PostgresContainerCollection.Name)]
[Trait("Category", PostgresContainerCollection.Category)]
public sealed class KillResumeContainerTests : KillResumeSuite
{
    public KillResumeContainerTests(PostgresContainerFixture server, ITestOutputHelper output)
        : base(server, output)
    {
        output.WriteLine(server.Description);
    }
}

/// <summary>
/// Scenario 1: SIGKILL the real program at random moments and run the same command again until it completes; every
/// sink must then hold exactly what an uninterrupted run with the same seed holds.
/// </summary>
public abstract class KillResumeSuite(PostgresServer server, ITestOutputHelper output)
{
    [Fact]
    public async Task KilledAgainAndAgain_EndsWithExactlyTheUninterruptedRunsStatistics()
    {
        var watch = Stopwatch.StartNew();
        var schema = PostgresServer.NewSchema();
        var referenceDir = FaultProfile.NewDirectory("kill-reference");
        try
        {
            using (var reference = JaqmcProcess.Start(FaultProfile.HeArguments(referenceDir, [.. FaultProfile.PostgresArguments(server.ConnectionString, schema, "reference"), .. FaultProfile.KillRunLength])))
            {
                await reference.WaitAsync(TimeSpan.FromMinutes(5));
                Assert.True(reference.ExitCode == 0, $"the uninterrupted run failed ({reference.ExitCode}):\n{reference.Stdout}\n{reference.Stderr}");
            }

            var seed = FaultProfile.Seed();
            output.WriteLine($"kill schedule seed {seed} (replay with JAQMC_FAULT_SEED={seed})");
            var random = new Random(seed);
            var totalSteps = FaultProfile.KillTrainIterations + FaultProfile.KillEvaluationIterations;

            // Until enough kills, a life may advance at most its fair share of the steps (more than a checkpoint
            // interval, so the run always gets on); the kill lands later than that by the time a console line takes
            // to be seen plus the jitter. After enough kills, lives are long so the run finishes. A run that finishes
            // before enough kills (a loaded machine makes that lag long) is checked like any other, and a new killed
            // run starts in a fresh directory under a fresh name: every completed run must equal the reference.
            var span = Math.Max(FaultProfile.CheckpointEvery + 10, totalSteps / FaultProfile.MinimumKills);
            var kills = 0;
            var startupKills = 0;
            var attempts = 0;
            var runs = 0;
            long csvRows = 0, hdf5Rows = 0, postgresRows = 0;
            while (kills < FaultProfile.MinimumKills)
            {
                runs++;
                var killedDir = FaultProfile.NewDirectory("kill-resume");
                var runName = $"killed-{runs}";
                var args = FaultProfile.HeArguments(killedDir, [.. FaultProfile.PostgresArguments(server.ConnectionString, schema, runName), .. FaultProfile.KillRunLength]);
                while (true)
                {
                    Assert.True(++attempts < 20 * FaultProfile.MinimumKills, $"no completion after {attempts} attempts (seed {seed})");
                    using var p = JaqmcProcess.Start(args);

                    // The schedule is drawn in full up front, so the seed alone reproduces it.
                    var duringStartup = random.NextDouble() < 0.2;
                    var startupDelay = random.Next(0, 400);
                    var advance = random.Next(0, kills < FaultProfile.MinimumKills ? span : totalSteps);
                    var jitter = random.Next(0, 40);
                    bool exited;
                    if (duringStartup)
                    {
                        // Start-up: reading checkpoints, opening and truncating files, migrating the schema.
                        exited = await p.TryWaitAsync(TimeSpan.FromMilliseconds(startupDelay));
                    }
                    else
                    {
                        exited = await ConsoleProgress.WaitForAdvanceAsync(p, advance);
                        if (!exited)
                        {
                            // Anywhere inside a step, a flush or a checkpoint.
                            exited = await p.TryWaitAsync(TimeSpan.FromMilliseconds(jitter));
                        }
                    }

                    if (exited)
                    {
                        Assert.True(p.ExitCode == 0, $"attempt {attempts} exited {p.ExitCode} after {kills} kills (seed {seed}):\n{p.Stdout}\n{p.Stderr}");
                        break;
                    }

                    p.KillHard();
                    kills++;
                    startupKills += duringStartup ? 1 : 0;
                }

                csvRows = RunOutputs.AssertSameCsv(referenceDir, killedDir);
                hdf5Rows = RunOutputs.AssertSameHdf5(referenceDir, killedDir);
                postgresRows = await RunOutputs.AssertSamePostgresAsync(server.ConnectionString, schema, "reference", schema, runName);
                Assert.Equal("completed", await RunOutputs.RunStatusAsync(server.ConnectionString, schema, runName));
                Assert.Equal(["evaluation=completed", "train=completed"], await RunOutputs.StageStatusesAsync(server.ConnectionString, schema, runName));
                Assert.Equal("completed", await RunOutputs.LocalRunStatusAsync(killedDir));
            }

            output.WriteLine(
                $"FIGURES kill-resume: seed={seed} kills={kills} (during start-up {startupKills}) attempts={attempts} runs={runs} csvRows={csvRows} " +
                $"hdf5Rows={hdf5Rows} postgresValues={postgresRows} runtime={watch.Elapsed.TotalSeconds:F0}s");
        }
        finally
        {
            await server.DropSchemaAsync(schema);
        }
    }
}
