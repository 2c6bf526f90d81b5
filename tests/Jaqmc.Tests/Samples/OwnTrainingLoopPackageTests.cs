using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json;
using System.Xml.Linq;
using Jaqmc.Tests.EndToEnd;
using Jaqmc.Tests.Sinks.Csv;
using Xunit.Abstractions;

namespace Jaqmc.Tests.Samples;

/// <summary>
/// The libraries as a user gets them: <c>dotnet pack</c> makes the Jaqmc.Sinks and Jaqmc.Service packages, and the
/// OwnTrainingLoop sample, copied out of the repository, builds against those packages (no project reference can be
/// reached from there) and records its statistics.
/// </summary>
public sealed class OwnTrainingLoopPackageTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string[] Libraries = ["Jaqmc.Sinks", "Jaqmc.Service", "Jaqmc.Remote"];

    private readonly string _root = Path.Combine(Path.GetTempPath(), "jaqmc-tests", "packages", Guid.NewGuid().ToString("N")[..12]);

    [Fact]
    public async Task PackedLibraries_BuildTheSampleOutsideTheRepository_AndItRecordsItsStatistics()
    {
        var watch = Stopwatch.StartNew();

        // A version no earlier run used, so no NuGet cache can hand back a stale package.
        var version = $"0.1.0-test.g{Guid.NewGuid():N}";
        var feed = Path.Combine(_root, "feed");
        var libraries = Path.Combine(_root, "libraries.slnf");
        Directory.CreateDirectory(_root);
        await File.WriteAllTextAsync(libraries, JsonSerializer.Serialize(new
        {
            solution = new
            {
                path = Path.Combine(JaqmcProcess.RepositoryRoot, "Jaqmc.sln"),
                projects = new[] { "src/Sinks/Jaqmc.Sinks.csproj", "src/Service/Jaqmc.Service.csproj", "src/Remote/Jaqmc.Remote.csproj" },
            },
        }));

        // Built from the repository's sources into a folder of its own: the repository's bin/ and obj/ are untouched.
        await DotnetCommand.RunAsync(
            JaqmcProcess.RepositoryRoot,
            "pack", libraries, "-c", "Release", "-o", feed, $"-p:Version={version}",
            "-p:UseArtifactsOutput=true", $"-p:ArtifactsPath={Path.Combine(_root, "artifacts")}", "-nodeReuse:false");
        output.WriteLine($"packed in {watch.Elapsed.TotalSeconds:F0} s");
        foreach (var library in Libraries)
        {
            AssertPackage(Path.Combine(feed, $"{library}.{version}.nupkg"), library, version);
        }

        // The sample and the build settings it relies on (central package versions), nothing else of the repository.
        var consumer = Path.Combine(_root, "consumer");
        var sample = Path.Combine(consumer, "samples", "OwnTrainingLoop");
        Directory.CreateDirectory(sample);
        foreach (var file in new[] { "Directory.Build.props", "Directory.Packages.props" })
        {
            File.Copy(Path.Combine(JaqmcProcess.RepositoryRoot, file), Path.Combine(consumer, file));
        }

        var source = Path.Combine(JaqmcProcess.RepositoryRoot, "samples", "OwnTrainingLoop");
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source, file);
            if (relative.Split(Path.DirectorySeparatorChar)[0] is not ("bin" or "obj" or "runs"))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(sample, relative))!);
                File.Copy(file, Path.Combine(sample, relative));
            }
        }

        // The feed next to the machine's own sources (from the user's NuGet.Config). Packages extract into a folder
        // of the test's; those the machine already has are taken from its global folder without a download.
        var globalPackages = (await DotnetCommand.RunAsync(consumer, "nuget", "locals", "global-packages", "--list"))
            .Split(':', 2)[1].Trim();
        await File.WriteAllTextAsync(Path.Combine(consumer, "NuGet.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config>
                <add key="globalPackagesFolder" value="{Path.Combine(_root, "packages")}" />
              </config>
              <packageSources>
                <add key="jaqmc-test-feed" value="{feed}" />
              </packageSources>
              <fallbackPackageFolders>
                <add key="machine" value="{globalPackages}" />
              </fallbackPackageFolders>
            </configuration>
            """);

        await DotnetCommand.RunAsync(consumer, "build", sample, "-c", "Release", $"-p:JaqmcPackageVersion={version}", "-nodeReuse:false");
        output.WriteLine($"sample built in {watch.Elapsed.TotalSeconds:F0} s");
        using (var assets = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(sample, "obj", "project.assets.json"))))
        {
            var resolved = assets.RootElement.GetProperty("libraries");
            foreach (var library in Libraries)
            {
                Assert.True(resolved.TryGetProperty($"{library}/{version}", out var entry), $"{library} {version} was not restored; restored: {resolved}");
                Assert.Equal("package", entry.GetProperty("type").GetString());
            }
        }

        var run = Path.Combine(consumer, "run");
        using var p = JaqmcProcess.Start(
            [Path.Combine(sample, "bin", "Release", "net10.0", "Jaqmc.Samples.OwnTrainingLoop.dll"), "--Run:WorkingDirectory=" + run, "--Training:Steps=50"],
            workingDirectory: consumer,
            sampleHost: true);
        await p.WaitAsync(TimeSpan.FromMinutes(2));
        Assert.True(p.ExitCode == 0, $"the sample built from packages exited {p.ExitCode}:\n{p.Stdout}\n{p.Stderr}");
        Assert.Equal(Enumerable.Range(0, 50).Select(s => (long)s), CsvTestFiles.Read(Path.Combine(run, "train_stats.csv")).Select(r => r.Step));
        output.WriteLine($"done in {watch.Elapsed.TotalSeconds:F0} s");
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    /// <summary>What nuget.org would show: the id, version, MIT licence, description, tags, the README, the assembly and its XML docs.</summary>
    private static void AssertPackage(string path, string id, string version)
    {
        Assert.True(File.Exists(path), $"{path} was not created");
        using var package = ZipFile.OpenRead(path);
        var entries = package.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);
        Assert.Contains("PACKAGE.md", entries);
        Assert.Contains($"lib/net10.0/{id}.dll", entries);
        Assert.Contains($"lib/net10.0/{id}.xml", entries);

        using var nuspecStream = package.GetEntry($"{id}.nuspec")!.Open();
        var metadata = XDocument.Load(nuspecStream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string? Field(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value;
        Assert.Equal(id, Field("id"));
        Assert.Equal(version, Field("version"));
        Assert.Equal("MIT", Field("license"));
        Assert.Equal("PACKAGE.md", Field("readme"));
        Assert.False(string.IsNullOrWhiteSpace(Field("description")), "no description");
        Assert.Contains("statistics", Field("tags") ?? string.Empty, StringComparison.Ordinal);
    }
}
