namespace Jaqmc.Tests.EndToEnd;

/// <summary>
/// The program on a machine without libhdf5, simulated by pointing JAQMC_HDF5_LIBRARY at a library that does not
/// exist: the HDF5 writer turns itself off with one warning unless it was asked for explicitly.
/// </summary>
public sealed class MissingHdf5LibraryTests : IDisposable
{
    private static readonly Dictionary<string, string?> NoLibrary = new()
    {
        ["JAQMC_HDF5_LIBRARY"] = Path.Combine(Path.GetTempPath(), "jaqmc-no-such-dir", "libhdf5.so.103"),
    };

    private readonly string _root = Path.Combine(Path.GetTempPath(), "jaqmc-nohdf5", Guid.NewGuid().ToString("N"));

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

    [Fact]
    public async Task ByDefault_OneWarning_TheOtherWritersWrite_Exit0()
    {
        var dir = Path.Combine(_root, "auto");

        using var p = await JaqmcProcess.RunAsync(
            ["--Training:System=He", "--Training:Iterations=20", "--Evaluation:Iterations=10", "--Training:Walkers=64", "--Run:WorkingDirectory=" + dir],
            NoLibrary);

        Assert.True(p.ExitCode == 0, $"exit {p.ExitCode}\n{p.Stdout}\n{p.Stderr}");
        var output = p.Stdout + p.Stderr;
        var warning = Assert.Single(output.Split('\n'), l => l.Contains("HDF5", StringComparison.Ordinal));
        Assert.Contains("warn:", warning, StringComparison.Ordinal);
        Assert.Contains("HDF5 writer off", warning, StringComparison.Ordinal);
        Assert.Contains("apt-get install libhdf5-103-1", warning, StringComparison.Ordinal);
        Assert.DoesNotContain("fail:", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.Equal(21, File.ReadAllLines(Path.Combine(dir, "train_stats.csv")).Length);
        Assert.Equal(11, File.ReadAllLines(Path.Combine(dir, "evaluation_stats.csv")).Length);
        Assert.Empty(Directory.GetFiles(dir, "*.h5"));
    }

    [Theory]
    [InlineData("--Writers:Hdf5:Enabled=true")]
    [InlineData("--Writers:Hdf5:Enabled=True")]
    public async Task AskedForExplicitly_OneConfigurationErrorLine_Exit2_NothingRuns(string enabled)
    {
        var dir = Path.Combine(_root, "explicit");

        using var p = await JaqmcProcess.RunAsync(
            ["--Training:Iterations=20", "--Training:Walkers=64", "--Run:WorkingDirectory=" + dir, enabled],
            NoLibrary);

        Assert.Equal(2, p.ExitCode);
        var line = Assert.Single(p.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("jaqmc: configuration error: Writers:Hdf5:Enabled must be false or auto when the HDF5 C library cannot be loaded (got true): ", line, StringComparison.Ordinal);
        Assert.Contains("apt-get install libhdf5-103-1", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", p.Stdout + p.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any(), "the run wrote files");
    }

    [Fact]
    public async Task AskedForExplicitly_InAConfigFile_IsAlsoAnError()
    {
        Directory.CreateDirectory(_root);
        var config = Path.Combine(_root, "hdf5.json");
        await File.WriteAllTextAsync(config, """{ "Writers": { "Hdf5": { "Enabled": true } } }""");

        using var p = await JaqmcProcess.RunAsync(
            ["train", "--config", config, "-w", Path.Combine(_root, "config"), "--iterations", "20"],
            NoLibrary);

        Assert.Equal(2, p.ExitCode);
        var line = Assert.Single(p.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("jaqmc: configuration error: Writers:Hdf5:Enabled must be false or auto", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TurnedOff_NoWarning()
    {
        var dir = Path.Combine(_root, "off");

        using var p = await JaqmcProcess.RunAsync(
            ["--Training:Producer=Synthetic", "--Training:Iterations=10", "--Run:WorkingDirectory=" + dir, "--Writers:Hdf5:Enabled=false"],
            NoLibrary);

        Assert.True(p.ExitCode == 0, p.Stderr);
        Assert.DoesNotContain("warn:", p.Stdout + p.Stderr, StringComparison.Ordinal);
        Assert.Equal(11, File.ReadAllLines(Path.Combine(dir, "train_stats.csv")).Length);
    }
}
