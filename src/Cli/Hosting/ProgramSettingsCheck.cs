using Jaqmc.Service;
using Jaqmc.Training;
using Microsoft.Extensions.DependencyInjection;

namespace Jaqmc.Cli.Hosting;

/// <summary>
/// Refuses a key that is no setting in the program's own sections (<c>Pipeline</c>, <c>Run</c>, <c>Distributed</c>,
/// <c>Training</c>, <c>Evaluation</c>), as the writers' registration does for <c>Writers:&lt;Name&gt;</c>. Only the
/// program does this: it owns every key of these sections, while a host that embeds the libraries may keep keys of
/// its own under names as plain as <c>Run</c>.
/// </summary>
internal static class ProgramSettingsCheck
{
    /// <summary>Registers the check of each section; it runs when the host starts, with the sections' other validation.</summary>
    public static IServiceCollection AddProgramSettingsCheck(this IServiceCollection services)
    {
        services.AddOptions<PipelineOptions>().RefuseUnknownSettings(PipelineOptions.Section);
        services.AddOptions<RunOptions>().RefuseUnknownSettings(RunOptions.Section);
        services.AddOptions<DistributedOptions>().RefuseUnknownSettings(DistributedOptions.Section);
        // Training:Producer chooses the trainer (JaqmcHost.ProducerKey) and is read before any options.
        services.AddOptions<TrainingOptions>().RefuseUnknownSettings(TrainingOptions.SectionName, "Producer");
        services.AddOptions<EvaluationOptions>().RefuseUnknownSettings(EvaluationOptions.SectionName);
        return services;
    }
}
