namespace Jaqmc.Tests.EndToEnd.Faults;

/// <summary>Starts tests/Jaqmc.FaultHost (the jaqmc program with test-only writers) as a child process.</summary>
internal static class FaultHost
{
    public static string Dll
    {
        get
        {
            // The host is built in its own output directory, beside this assembly's: same configuration and framework.
            var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var path = Path.Combine(JaqmcProcess.RepositoryRoot, "tests", "Jaqmc.FaultHost", "bin", here.Parent!.Name, here.Name, "Jaqmc.FaultHost.dll");
            Assert.True(File.Exists(path), $"{path} is missing: build tests/Jaqmc.Tests (it references tests/Jaqmc.FaultHost).");
            return path;
        }
    }

    public static JaqmcProcess Start(IEnumerable<string> args) => JaqmcProcess.Start([Dll, .. args], sampleHost: true);
}
