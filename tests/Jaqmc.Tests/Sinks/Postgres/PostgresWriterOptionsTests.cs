using System.ComponentModel.DataAnnotations;
using Jaqmc.Sinks;
using Jaqmc.Sinks.Postgres;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Jaqmc.Tests.Sinks.Postgres;

/// <summary>Defaults, validation and registration of the writer; no server needed.</summary>
public sealed class PostgresWriterOptionsTests
{
    private static List<ValidationResult> Validate(PostgresWriterOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }

    [Fact]
    public void Defaults_AreDisabled_SchemaJaqmc_RetryForeverWithTenSecondsAtMost()
    {
        var options = new PostgresWriterOptions();

        Assert.False(options.Enabled);
        Assert.Equal("jaqmc", options.Schema);
        Assert.Equal(-1, options.Retry.MaxAttempts);
        Assert.Equal(TimeSpan.FromSeconds(10), options.Retry.MaxDelay);
        Assert.Empty(Validate(options));
    }

    [Fact]
    public void Enabled_WithoutConnectionString_NamesConnectionStringsStats()
    {
        var results = Validate(new PostgresWriterOptions { Enabled = true });

        var result = Assert.Single(results);
        Assert.Contains("ConnectionStrings:Stats", result.ErrorMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Host=h;Password=hunter2;Nonsense=1")]
    [InlineData("Host=h;Password=hun;ter2;")]
    [InlineData("Password=hunter2")]
    public void Enabled_WithABadConnectionString_FailsWithoutQuotingThePassword(string connectionString)
    {
        var results = Validate(new PostgresWriterOptions { Enabled = true, ConnectionString = connectionString });

        var result = Assert.Single(results);
        Assert.Contains("ConnectionStrings:Stats", result.ErrorMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("hun", result.ErrorMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("ter2", result.ErrorMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Jaqmc")]
    [InlineData("1abc")]
    [InlineData("pg_catalog")]
    [InlineData("a\"; DROP SCHEMA public; --")]
    [InlineData("with space")]
    public void Schema_MustBeAPlainLowerCaseIdentifier(string schema)
    {
        var result = Assert.Single(Validate(new PostgresWriterOptions { Schema = schema }));

        Assert.Equal([nameof(PostgresWriterOptions.Schema)], result.MemberNames);
    }

    [Theory]
    [InlineData("jaqmc")]
    [InlineData("_stats_2")]
    public void Schema_AcceptsIdentifiers(string schema) => Assert.Empty(Validate(new PostgresWriterOptions { Schema = schema }));

    private static ServiceProvider Services(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        services.AddPostgresStatsWriter();
        return services.BuildServiceProvider();
    }

    [Fact]
    public void Registration_WithConnectionStringsStats_EnablesTheWriter()
    {
        using var provider = Services(new() { ["ConnectionStrings:Stats"] = "Host=db;Username=u;Password=p;Database=stats" });

        var options = provider.GetRequiredService<IOptionsMonitor<PostgresWriterOptions>>().Get("Postgres");

        Assert.True(options.Enabled);
        Assert.Equal("Host=db;Username=u;Password=p;Database=stats", options.ConnectionString);
        Assert.Equal(-1, options.Retry.MaxAttempts);
        var registration = Assert.Single(provider.GetServices<Jaqmc.Sinks.Hosting.StatsWriterRegistration>());
        Assert.Equal("Postgres", registration.Name);
        Assert.IsType<PostgresStatsWriter>(registration.Create(provider));
    }

    [Fact]
    public void Registration_WithoutConnectionString_LeavesTheWriterDisabledAndValid()
    {
        using var provider = Services(new() { ["ConnectionStrings:Stats"] = "" });

        var options = provider.GetRequiredService<IOptionsMonitor<PostgresWriterOptions>>().Get("Postgres");

        Assert.False(options.Enabled);
    }

    [Fact]
    public void Registration_WritersSectionWins_OverTheConnectionString()
    {
        using var provider = Services(new()
        {
            ["ConnectionStrings:Stats"] = "Host=db",
            ["Writers:Postgres:Enabled"] = "false",
            ["Writers:Postgres:Schema"] = "stats",
            ["Writers:Postgres:Retry:MaxAttempts"] = "3",
        });

        var options = provider.GetRequiredService<IOptionsMonitor<PostgresWriterOptions>>().Get("Postgres");

        Assert.False(options.Enabled);
        Assert.Equal("stats", options.Schema);
        Assert.Equal(3, options.Retry.MaxAttempts);
        Assert.Equal(TimeSpan.FromSeconds(10), options.Retry.MaxDelay);
    }

    [Fact]
    public void Registration_WithTheSectionsOwnConnectionString_EnablesTheWriter_UnlessTheSectionTurnsItOff()
    {
        using var provider = Services(new() { ["Writers:Postgres:ConnectionString"] = "Host=db;Username=u;Password=p;Database=stats" });
        using var off = Services(new() { ["Writers:Postgres:ConnectionString"] = "Host=db", ["Writers:Postgres:Enabled"] = "false" });

        var options = provider.GetRequiredService<IOptionsMonitor<PostgresWriterOptions>>().Get("Postgres");

        Assert.True(options.Enabled);
        Assert.Equal("Host=db;Username=u;Password=p;Database=stats", options.ConnectionString);
        Assert.False(off.GetRequiredService<IOptionsMonitor<PostgresWriterOptions>>().Get("Postgres").Enabled);
    }

    [Theory]
    [InlineData("Writers:Postgres:Shema", "Writers:Postgres:Shema is not a setting (the settings of Writers:Postgres: ConnectionString, Enabled, FlushInterval, MaxBatchSize, QueueCapacity, Retry, Schema, Spool)")]
    [InlineData("Writers:Postgres:Spool:Directroy", "Writers:Postgres:Spool:Directroy is not a setting (the settings of Writers:Postgres:Spool: Directory, Enabled, MaxBytes, SegmentBytes)")]
    [InlineData("writers:postgres:retry:maxattempt", "Writers:Postgres:retry:maxattempt is not a setting (the settings of Writers:Postgres:retry: BaseDelay, MaxAttempts, MaxDelay)")]
    public void Registration_AKeyThatIsNoSetting_FailsValidationNamingItAndTheSettings(string key, string expected)
    {
        using var provider = Services(new() { [key] = "3" });

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptionsMonitor<PostgresWriterOptions>>().Get("Postgres"));

        Assert.Equal(expected, Assert.Single(error.Failures));
    }

    [Fact]
    public void Registration_KeysOfAnyCase_AndNestedSettings_AreAccepted()
    {
        using var provider = Services(new()
        {
            ["writers:postgres:schema"] = "stats",
            ["Writers:Postgres:Spool:MaxBytes"] = "1000000",
            ["Writers:Postgres:RETRY:MaxDelay"] = "00:00:05",
        });

        var options = provider.GetRequiredService<IOptionsMonitor<PostgresWriterOptions>>().Get("Postgres");

        Assert.Equal("stats", options.Schema);
        Assert.Equal(1_000_000, options.Spool.MaxBytes);
        Assert.Equal(TimeSpan.FromSeconds(5), options.Retry.MaxDelay);
    }

    [Fact]
    public void Registration_InvalidSettings_FailValidationNamingTheSection()
    {
        using var provider = Services(new() { ["Writers:Postgres:Enabled"] = "true" });

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptionsMonitor<PostgresWriterOptions>>().Get("Postgres"));

        Assert.Contains("Writers:Postgres:ConnectionString", error.Message, StringComparison.Ordinal);
        Assert.Contains("ConnectionStrings:Stats", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WriterOptions_DerivesFromTheSharedBase() => Assert.IsAssignableFrom<WriterOptions>(new PostgresWriterOptions());
}
