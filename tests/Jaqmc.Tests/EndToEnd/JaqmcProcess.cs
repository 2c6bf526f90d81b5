using System.Diagnostics;

namespace Jaqmc.Tests.EndToEnd;

/// <summary>Runs the real program (<c>dotnet jaqmc.dll</c>) as a child process.</summary>
internal sealed class JaqmcProcess : ChildProcess
{
    private JaqmcProcess(ProcessStartInfo info)
        : base(info, "jaqmc")
    {
    }

    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>The built program next to the tests (the test project references the service project).</summary>
    public static string ProgramDll
    {
        get
        {
            var local = Path.Combine(AppContext.BaseDirectory, "jaqmc.dll");
            Assert.True(File.Exists(local), $"{local} is missing: build the solution first");
            return local;
        }
    }

    /// <summary>
    /// The NativeAOT build of the program that <c>JAQMC_NATIVE_BINARY</c> names: scripts/test.sh builds it with
    /// scripts/build-native.sh before the tests.
    /// </summary>
    public static string NativeProgram
    {
        get
        {
            var path = Environment.GetEnvironmentVariable("JAQMC_NATIVE_BINARY");
            Assert.True(
                !string.IsNullOrEmpty(path) && File.Exists(path),
                $"No native build at JAQMC_NATIVE_BINARY='{path}': run 'export JAQMC_NATIVE_BINARY=$(bash scripts/build-native.sh)' (scripts/test.sh does).");
            return path!;
        }
    }

    /// <summary>
    /// Starts the program; with <paramref name="sampleHost"/>, the first argument is another host's dll to run instead;
    /// with <paramref name="native"/>, the NativeAOT build (<see cref="NativeProgram"/>).
    /// </summary>
    public static JaqmcProcess Start(IEnumerable<string> args, IDictionary<string, string?>? environment = null, string? workingDirectory = null, bool sampleHost = false, bool native = false)
    {
        var info = new ProcessStartInfo(native ? NativeProgram : "dotnet")
        {
            RedirectStandardInput = true,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        if (!sampleHost && !native)
        {
            info.ArgumentList.Add(ProgramDll);
        }

        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (k, v) in environment ?? new Dictionary<string, string?>())
        {
            info.Environment[k] = v;
        }

        return new JaqmcProcess(info);
    }

    public static async Task<JaqmcProcess> RunAsync(IEnumerable<string> args, IDictionary<string, string?>? environment = null, TimeSpan? timeout = null, bool native = false)
    {
        var p = Start(args, environment, native: native);
        await p.WaitAsync(timeout ?? TimeSpan.FromMinutes(2));
        return p;
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Jaqmc.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Jaqmc.sln not found above the test binaries.");
    }
}
