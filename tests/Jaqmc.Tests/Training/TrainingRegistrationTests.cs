using Jaqmc.Training;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Jaqmc.Tests.Training;

/// <summary><c>AddVmcTraining</c>: binding, defaults and validation messages that name the setting.</summary>
public sealed class TrainingRegistrationTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging()
            .AddVmcTraining()
            .BuildServiceProvider();
    }

    [Fact]
    public void Defaults_are_the_documented_ones()
    {
        using var provider = Build([]);
        var o = provider.GetRequiredService<IOptions<TrainingOptions>>().Value;
        Assert.Equal(
            (TrainingSystem.He, 2000, 42L, 4096, 10, 1000, 3, 0.02, 5.0, 1.4, false, 0),
            (o.System, o.Iterations, o.Seed, o.Walkers, o.McmcSteps, o.CheckpointEvery, o.KeepCheckpoints, o.LearningRate, o.ClipWidth,
                o.BondLength, o.FixJastrow, o.Threads));
        Assert.Equal(500, provider.GetRequiredService<IOptions<EvaluationOptions>>().Value.Iterations);
        Assert.NotNull(provider.GetRequiredService<VmcTrainer>());
    }

    [Fact]
    public void Settings_are_bound_from_the_training_and_evaluation_sections()
    {
        using var provider = Build(new()
        {
            ["Training:System"] = "H2",
            ["Training:Walkers"] = "512",
            ["Training:FixJastrow"] = "true",
            ["Evaluation:Iterations"] = "77",
        });
        var o = provider.GetRequiredService<IOptions<TrainingOptions>>().Value;
        Assert.Equal((TrainingSystem.H2, 512, true), (o.System, o.Walkers, o.FixJastrow));
        Assert.Equal(77, provider.GetRequiredService<IOptions<EvaluationOptions>>().Value.Iterations);
    }

    [Theory]
    [InlineData("Training:Walkers", "0")]
    [InlineData("Training:LearningRate", "-1")]
    [InlineData("Training:Threads", "-2")]
    [InlineData("Evaluation:Iterations", "0")]
    public void Invalid_settings_fail_naming_the_setting(string key, string value)
    {
        using var provider = Build(new() { [key] = value });
        var ex = Assert.Throws<OptionsValidationException>(() =>
        {
            _ = provider.GetRequiredService<IOptions<TrainingOptions>>().Value;
            _ = provider.GetRequiredService<IOptions<EvaluationOptions>>().Value;
        });
        Assert.Contains(key, ex.Message, StringComparison.Ordinal);
    }
}
