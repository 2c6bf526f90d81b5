using Jaqmc.Tests.EndToEnd;

namespace Jaqmc.Tests.Samples;

/// <summary>Runs the .NET CLI (<c>dotnet pack</c>, <c>dotnet build</c>) as a child process, as a user would type it.</summary>
internal static class DotnetCommand
{
    /// <summary>Runs <c>dotnet</c> with <paramref name="args"/> in <paramref name="workingDirectory"/>; asserts exit code 0, showing the output otherwise.</summary>
    public static async Task<string> RunAsync(string workingDirectory, params string[] args)
    {
        // The test host may run under MSBuild's environment (MSBuildSDKsPath, MSBuildExtensionsPath, ...), which
        // would steer the child's own MSBuild: the child starts from a user's environment instead. No MSBuild
        // nodes or server are left running after the command.
        var environment = Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(k => k, _ => (string?)null);
        environment["DOTNET_NOLOGO"] = "1";
        environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        environment["MSBUILDDISABLENODEREUSE"] = "1";

        using var p = JaqmcProcess.Start(args, environment, workingDirectory, sampleHost: true);
        await p.WaitAsync(TimeSpan.FromMinutes(5));
        Assert.True(p.ExitCode == 0, $"'dotnet {string.Join(' ', args)}' in {workingDirectory} exited {p.ExitCode}:\n{p.Stdout}\n{p.Stderr}");
        return p.Stdout;
    }
}
