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

    /// <summary>Starts the program; with <paramref name="sampleHost"/>, the first argument is another host's dll to run instead.</summary>
    public static JaqmcProcess Start(IEnumerable<string> args, IDictionary<string, string?>? environment = null, string? workingDirectory = null, bool sampleHost = false)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        if (!sampleHost)
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

    public static async Task<JaqmcProcess> RunAsync(IEnumerable<string> args, IDictionary<string, string?>? environment = null, TimeSpan? timeout = null)
    {
        var p = Start(args, environment);
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
