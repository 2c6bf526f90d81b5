using System.Reflection;
using Jaqmc.Service;
using Jaqmc.Sinks;
using Jaqmc.Training;

namespace Jaqmc.Tests.Architecture;

/// <summary>
/// Dependencies point one way (docs/architecture.md): the program composes the libraries; Training and Sinks never
/// reference Service; Service references no trainer, command-line, web or plotting package.
/// </summary>
public sealed class DependencyDirectionTests
{
    [Theory]
    [InlineData("Jaqmc.Service", new[] { "Jaqmc.Training", "jaqmc", "Spectre.Console", "System.CommandLine", "ScottPlot", "Plotly", "Microsoft.AspNetCore" })]
    [InlineData("Jaqmc.Sinks", new[] { "Jaqmc.Service", "Jaqmc.Training", "jaqmc", "Spectre.Console", "System.CommandLine", "ScottPlot", "Plotly", "Microsoft.AspNetCore", "Polly" })]
    [InlineData("Jaqmc.Training", new[] { "Jaqmc.Service", "jaqmc", "Spectre.Console", "System.CommandLine", "ScottPlot", "Plotly", "Microsoft.AspNetCore" })]
    [InlineData("Jaqmc.Remote", new[] { "Jaqmc.Service", "Jaqmc.Training", "jaqmc", "Spectre.Console", "System.CommandLine", "ScottPlot", "Plotly", "Microsoft.AspNetCore", "Polly" })]
    public void ALibrary_ReferencesNoneOfWhatItMustNot(string library, string[] forbidden)
    {
        var assembly = library switch
        {
            "Jaqmc.Service" => typeof(IStatsPipelineStatus).Assembly,
            "Jaqmc.Sinks" => typeof(IStatsWriter).Assembly,
            "Jaqmc.Remote" => typeof(Jaqmc.Remote.RemoteStatsRecorder).Assembly,
            _ => typeof(TrainingOptions).Assembly,
        };

        var references = assembly.GetReferencedAssemblies().Select(a => a.Name!).ToArray();

        Assert.Contains(references, r => r.StartsWith("System.", StringComparison.Ordinal) || r == "System");
        Assert.DoesNotContain(references, r => forbidden.Any(f => r == f || r.StartsWith(f + ".", StringComparison.Ordinal)));
    }

    [Fact]
    public void TheLibrariesShowTheirInternals_OnlyToEachOtherAndTheirTests_NeverToTheProgram()
    {
        foreach (var assembly in new[] { typeof(IStatsWriter).Assembly, typeof(IStatsPipelineStatus).Assembly })
        {
            var friends = assembly.GetCustomAttributes<System.Runtime.CompilerServices.InternalsVisibleToAttribute>().Select(a => a.AssemblyName);
            Assert.DoesNotContain("jaqmc", friends);
        }
    }
}
