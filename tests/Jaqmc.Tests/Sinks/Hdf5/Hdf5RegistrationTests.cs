using Jaqmc.Sinks;
using Jaqmc.Sinks.Hdf5;
using Jaqmc.Sinks.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Jaqmc.Tests.Sinks.Hdf5;

public sealed class Hdf5RegistrationTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddLogging();
        services.AddStatsWriter<Hdf5StatsWriter, Hdf5WriterOptions>("Hdf5");
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task Registration_BindsOptionsAndCreatesAWriterPerStage()
    {
        await using var provider = Build(new() { ["Writers:Hdf5:ChunkSize"] = "128", ["Writers:Hdf5:PathTemplate"] = "stats/{stage}.h5" });
        var registration = Assert.Single(provider.GetServices<StatsWriterRegistration>());

        var options = Assert.IsType<Hdf5WriterOptions>(registration.GetOptions(provider));
        Assert.Equal(128, options.ChunkSize);
        Assert.Equal("stats/{stage}.h5", options.PathTemplate);
        await using var first = registration.Create(provider);
        await using var second = registration.Create(provider);
        Assert.IsType<Hdf5StatsWriter>(first);
        Assert.NotSame(first, second);
    }

    [Fact]
    public async Task Registration_RejectsANonPositiveChunkSize_NamingTheSetting()
    {
        await using var provider = Build(new() { ["Writers:Hdf5:ChunkSize"] = "0" });

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptionsMonitor<Hdf5WriterOptions>>().Get("Hdf5"));
        Assert.Contains("Writers:Hdf5:ChunkSize", error.Message, StringComparison.Ordinal);
    }
}
