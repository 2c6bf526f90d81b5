using Jaqmc.Remote;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Jaqmc.Tests.Remote;

/// <summary>Bad <c>Remote</c> settings stop the host at start with one line per setting, named by its path.</summary>
public sealed class RemoteRecorderOptionsTests
{
    private static RemoteRecorderOptions Resolve(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging();
        services.AddRemoteStatsRecorder();
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<RemoteRecorderOptions>>().Value;
    }

    [Fact]
    public void BadSettings_AreEachNamedByTheirPath_WithTheValueGiven()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Resolve(("Remote:Url", "ftp://host/"), ("Remote:Run", " "), ("Remote:QueueCapacity", "0")));

        Assert.Equal(
            ["Remote:Url must be an http:// or https:// address (got 'ftp://host/')", "Remote:Run must not be empty (got ' ')", "Remote:QueueCapacity must be greater than 0 (got 0)"],
            error.Failures);
    }

    [Fact]
    public void GoodSettings_AreBound()
    {
        var options = Resolve(("Remote:Url", "http://127.0.0.1:6000"), ("Remote:Run", "he"), ("Remote:RetryDelay", "00:00:00.250"));

        Assert.Equal(new Uri("http://127.0.0.1:6000"), options.Url);
        Assert.Equal("he", options.Run);
        Assert.Equal(TimeSpan.FromMilliseconds(250), options.RetryDelay);
    }
}
