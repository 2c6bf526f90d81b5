namespace Jaqmc.Tests.EndToEnd;

/// <summary>Files and console lines do not depend on the user's locale.</summary>
public sealed class CultureTests
{
    [Fact]
    public async Task UnderACommaDecimalLocale_FilesAndConsoleLinesUseDots()
    {
        var dir = Path.Combine(Path.GetTempPath(), "jaqmc-culture", Guid.NewGuid().ToString("N"));
        var args = new[]
        {
            "--Run:WorkingDirectory=" + dir, "--Training:System=H", "--Training:Iterations=30", "--Evaluation:Iterations=10",
            "--Training:Walkers=128", "--Writers:Console:Interval=10",
        };

        using var german = await JaqmcProcess.RunAsync(args, new Dictionary<string, string?> { ["LANG"] = "de_DE.UTF-8", ["LC_ALL"] = "de_DE.UTF-8" });
        Assert.Equal(0, german.ExitCode);
        var csv = await File.ReadAllTextAsync(Path.Combine(dir, "train_stats.csv"));
        Directory.Delete(dir, recursive: true);

        using var english = await JaqmcProcess.RunAsync(args, new Dictionary<string, string?> { ["LANG"] = "en_US.UTF-8", ["LC_ALL"] = "en_US.UTF-8" });
        Assert.Equal(0, english.ExitCode);

        // Same seed, same bytes: the locale changes nothing.
        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(dir, "train_stats.csv")), csv);
        Assert.Matches(@"step=10, pmove=\d\.\d\d, energy=-0\.\d{4}, variance=\d\.\d{4}", german.Stdout);
        Assert.DoesNotMatch(@"energy=-0,\d", german.Stdout);
    }
}
