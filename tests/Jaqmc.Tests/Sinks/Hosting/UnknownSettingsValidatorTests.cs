using Jaqmc.Service;
using Jaqmc.Sinks;
using Jaqmc.Sinks.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Jaqmc.Tests.Sinks.Hosting;

/// <summary>
/// A key of a writer's section that is no setting is refused with the section's settings, as a typo; every key the
/// binder would take is accepted, in any case, nested, renamed or in a collection.
/// </summary>
public sealed class UnknownSettingsValidatorTests
{
    private static string[] Failures(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new UnknownSettingsValidator<CustomOptions>(null, "Writers:Custom", configuration).Validate(null, new CustomOptions()).Failures?.ToArray() ?? [];
    }

    [Fact]
    public void EveryKeyTheBinderTakes_IsAccepted() => Assert.Empty(Failures(new()
    {
        ["Writers:Custom:count"] = "3",
        ["Writers:Custom:Retry:MaxAttempts"] = "2",
        ["Writers:Custom:Tags:0"] = "a",
        ["Writers:Custom:Labels:x"] = "y",
        ["Writers:Custom:api-key"] = "k",
        ["Writers:Other:Whatever"] = "elsewhere",
    }));

    [Fact]
    public void AMisspeltKey_IsRefused_NamingTheSectionsSettings() => Assert.Equal(
        ["Writers:Custom:Cuont is not a setting (the settings of Writers:Custom: api-key, Count, Labels, Retry, Tags)"],
        Failures(new() { ["Writers:Custom:Cuont"] = "3" }));

    [Fact]
    public void ANestedMisspeltKey_IsRefused() => Assert.Equal(
        ["Writers:Custom:Retry:MaxAttempt is not a setting (the settings of Writers:Custom:Retry: BaseDelay, MaxAttempts, MaxDelay)"],
        Failures(new() { ["Writers:Custom:Retry:MaxAttempt"] = "2" }));

    [Fact]
    public void TheRenamedPropertysOwnName_IsNotItsKey() => Assert.Single(Failures(new() { ["Writers:Custom:ApiKey"] = "k" }));

    [Fact]
    public void AHostThatEmbedsThePipeline_KeepsItsOwnKeysInRunAndPipeline()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Run:WorkingDirectory"] = Path.GetTempPath(),
            ["Run:Experiment"] = "mine",
            ["Pipeline:Owner"] = "mine",
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddStatsPipeline();
        using var provider = services.BuildServiceProvider();

        Assert.Equal(Path.GetTempPath(), provider.GetRequiredService<IOptions<RunOptions>>().Value.WorkingDirectory);
        Assert.Equal(4096, provider.GetRequiredService<IOptions<PipelineOptions>>().Value.Capacity);
    }

    private sealed class CustomOptions
    {
        public int Count { get; set; }

        public WriterRetryOptions Retry { get; set; } = new();

        public List<string> Tags { get; } = [];

        public Dictionary<string, string> Labels { get; } = [];

        [ConfigurationKeyName("api-key")]
        public string ApiKey { get; set; } = string.Empty;
    }
}
