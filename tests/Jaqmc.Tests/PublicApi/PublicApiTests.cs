using System.Reflection;
using System.Runtime.CompilerServices;
using Jaqmc.Service;
using Jaqmc.Sinks;
using PublicApiGenerator;

namespace Jaqmc.Tests.PublicApi;

/// <summary>
/// The libraries' public surface is approved: a change to it shows up as a diff of the approved file in review.
/// To approve a change, copy <c>*.received.txt</c> over <c>*.approved.txt</c> (the failure message says where).
/// </summary>
public sealed class PublicApiTests
{
    [Theory]
    [InlineData("Jaqmc.Sinks")]
    [InlineData("Jaqmc.Service")]
    [InlineData("Jaqmc.Remote")]
    public void PublicApi_IsTheApprovedOne(string assemblyName)
    {
        var assembly = assemblyName switch
        {
            "Jaqmc.Sinks" => typeof(IStatsWriter).Assembly,
            "Jaqmc.Remote" => typeof(Jaqmc.Remote.RemoteStatsRecorder).Assembly,
            _ => typeof(IStatsPipelineStatus).Assembly,
        };
        var api = assembly.GeneratePublicApi(new ApiGeneratorOptions
        {
            ExcludeAttributes = [typeof(InternalsVisibleToAttribute).FullName!, "System.Runtime.Versioning.TargetFrameworkAttribute", "System.Reflection.AssemblyMetadataAttribute"],

            // The registration extensions (AddStatsPipeline, AddCsvStatsWriter, ...) live in the DI namespace, which the
            // generator leaves out by default with every System* and Microsoft* namespace.
            AllowNamespacePrefixes = ["Microsoft.Extensions.DependencyInjection"],
        })
            .ReplaceLineEndings("\n");
        var approvedPath = Path.Combine(SourceDirectory(), $"{assemblyName}.approved.txt");
        var receivedPath = Path.Combine(SourceDirectory(), $"{assemblyName}.received.txt");
        var approved = File.Exists(approvedPath) ? File.ReadAllText(approvedPath).ReplaceLineEndings("\n") : string.Empty;
        if (api != approved)
        {
            File.WriteAllText(receivedPath, api);
            Assert.Fail($"The public API of {assemblyName} changed. Review {receivedPath} and, if it is intended, copy it over {approvedPath}.");
        }

        File.Delete(receivedPath);
    }

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
