namespace Jaqmc.Tests.EndToEnd;

/// <summary>A fatal error during a run is reported once, on one line; its stack trace only with --verbose.</summary>
public sealed class FatalErrorTests : IDisposable
{
    private const string Reason = "/proc/version/x";

    private readonly string _root = Path.Combine(Path.GetTempPath(), "jaqmc-fatal", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory harms no other test.
        }
    }

    // A CSV file under /proc/version (a file, so never a directory, even for root) cannot be created; no retries.
    private string[] FailingCsvRun(string name) =>
    [
        "train", "--Training:Producer=Synthetic", "--Training:Iterations=10", "-w", Path.Combine(_root, name),
        $"--Writers:Csv:PathTemplate={Reason}/{{stage}}.csv", "--Writers:Csv:Retry:MaxAttempts=0",
    ];

    [Fact]
    public async Task WriterFailure_IsReportedOnce_WithoutAStackTrace_Exit3()
    {
        using var p = await JaqmcProcess.RunAsync(FailingCsvRun("terse"));

        Assert.Equal(3, p.ExitCode);
        var output = p.Stdout + p.Stderr;
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);

        // Once, as the error; the writer's line of the end-of-run summary points to it instead of repeating it.
        var error = Assert.Single(output.Split('\n'), l => l.Contains(Reason, StringComparison.Ordinal));
        Assert.Contains("fail:", error, StringComparison.Ordinal);
        Assert.DoesNotContain("..", error, StringComparison.Ordinal);
        Assert.Contains(output.Split('\n'), l => l.Contains("Writer Csv:", StringComparison.Ordinal) && l.Contains("stopped by the error reported above", StringComparison.Ordinal));
        Assert.Contains("Writer Csv", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriterFailure_WithVerbose_ShowsTheStackTrace()
    {
        using var p = await JaqmcProcess.RunAsync([.. FailingCsvRun("verbose"), "--verbose"]);

        Assert.Equal(3, p.ExitCode);
        Assert.Contains("   at ", p.Stdout + p.Stderr, StringComparison.Ordinal);
    }
}
