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

    [Fact]
    public async Task The_registered_trainer_runs_with_the_bound_settings()
    {
        using var provider = Build(new()
        {
            ["Training:System"] = "H",
            ["Training:Walkers"] = "64",
            ["Training:Iterations"] = "5",
            ["Training:McmcSteps"] = "2",
            ["Evaluation:Iterations"] = "3",
        });
        using var context = new TrainingTestContext();
        var recorder = new RecordingStatsRecorder();
        var result = await provider.GetRequiredService<VmcTrainer>().RunAsync(context.Directory, recorder, CancellationToken.None);
        Assert.True(result.Succeeded);
        Assert.Equal(5, recorder.Rows(VmcTrainer.TrainStage).Count);
        Assert.Equal(3, recorder.Rows(VmcTrainer.EvaluationStage).Count);
        Assert.Equal(
            ["total_energy", "total_energy_var", "energy:kinetic", "energy:kinetic_var", "energy:potential", "energy:potential_var",
                "loss", "pmove", "learning_rate", "param:alpha"],
            recorder.Rows(VmcTrainer.TrainStage)[0].Keys);
        Assert.Same(recorder.Rows(VmcTrainer.TrainStage)[0].Keys, recorder.Rows(VmcTrainer.TrainStage)[^1].Keys);
        Assert.Equal(
            ["total_energy", "total_energy_var", "energy:kinetic", "energy:kinetic_var", "energy:potential", "energy:potential_var", "pmove"],
            recorder.Rows(VmcTrainer.EvaluationStage)[0].Keys);
    }

    [Theory]
    [InlineData("Training:Walkers", "0", "Training:Walkers must be between 1 and 16777216 (got 0)")]
    [InlineData("Training:Iterations", "0", "Training:Iterations must be at least 1 (got 0)")]
    [InlineData("Training:LearningRate", "-1", "Training:LearningRate must be between 1E-12 and 10 (got -1)")]
    [InlineData("Training:LearningRate", "NaN", "Training:LearningRate must be between 1E-12 and 10 (got NaN)")]
    [InlineData("Training:Threads", "-2", "Training:Threads must be between 0 and 4096 (got -2)")]
    [InlineData("Training:System", "7", "Training:System must be one of H, He, H2 (got 7)")]
    [InlineData("Evaluation:Iterations", "-1", "Evaluation:Iterations must be at least 0 (got -1)")]
    public void Invalid_settings_fail_with_the_setting_the_rule_and_the_value(string key, string value, string message)
    {
        using var provider = Build(new() { [key] = value });
        var ex = Assert.Throws<OptionsValidationException>(() =>
        {
            _ = provider.GetRequiredService<IOptions<TrainingOptions>>().Value;
            _ = provider.GetRequiredService<IOptions<EvaluationOptions>>().Value;
        });
        Assert.Equal([message], ex.Failures);
    }

    [Fact]
    public async Task Evaluation_iterations_0_trains_only()
    {
        using var provider = Build(new()
        {
            ["Training:System"] = "H",
            ["Training:Walkers"] = "64",
            ["Training:Iterations"] = "5",
            ["Training:McmcSteps"] = "2",
            ["Evaluation:Iterations"] = "0",
        });
        using var context = new TrainingTestContext();
        var recorder = new RecordingStatsRecorder();

        var result = await provider.GetRequiredService<VmcTrainer>().RunAsync(context.Directory, recorder, CancellationToken.None);

        Assert.True(result.Succeeded);
        Assert.Null(result.EvaluationEnergy);
        Assert.Equal([(VmcTrainer.TrainStage, 0L)], recorder.Begins);
        Assert.Equal(5, recorder.Rows(VmcTrainer.TrainStage).Count);
        Assert.Empty(Directory.EnumerateFileSystemEntries(context.Directory, VmcTrainer.EvaluationStage + "*"));
    }
}
