using Jaqmc.Sinks.Hosting;
using Jaqmc.Training;
using Microsoft.Extensions.Options;

// In the DI namespace so that `builder.Services.AddVmcTraining()` needs no extra using.
// ReSharper disable once CheckNamespace
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the VMC trainer.</summary>
public static class VmcTrainingServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="TrainingOptions"/> from <c>Training</c> and <see cref="EvaluationOptions"/> from
    /// <c>Evaluation</c>, validates both when the host starts (errors name the setting, e.g. <c>Training:Walkers</c>),
    /// and registers <see cref="VmcTrainer"/> as a singleton.
    /// </summary>
    public static IServiceCollection AddVmcTraining(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<TrainingOptions>().BindConfiguration(TrainingOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TrainingOptions>>(
            new SectionOptionsValidator<TrainingOptions>(null, TrainingOptions.SectionName));
        services.AddOptions<EvaluationOptions>().BindConfiguration(EvaluationOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<EvaluationOptions>>(
            new SectionOptionsValidator<EvaluationOptions>(null, EvaluationOptions.SectionName));
        services.AddSingleton<VmcTrainer>();
        return services;
    }
}
