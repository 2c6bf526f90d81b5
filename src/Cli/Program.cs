using Jaqmc.Cli;

namespace Jaqmc.Cli;

/// <summary>The <c>jaqmc</c> program.</summary>
internal static class Program
{
    private static Task<int> Main(string[] args) => JaqmcCli.RunAsync(args);
}
