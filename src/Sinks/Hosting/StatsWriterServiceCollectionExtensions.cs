using System.Diagnostics.CodeAnalysis;
using Jaqmc.Sinks;
using Jaqmc.Sinks.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

// The extension lives in the DI namespace so that `builder.Services.AddStatsWriter` needs no extra using.
// ReSharper disable once CheckNamespace
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers writers with the statistics pipeline.</summary>
public static class StatsWriterServiceCollectionExtensions
{
    /// <summary>The configuration section that holds one subsection per writer.</summary>
    public const string WritersSection = "Writers";

    /// <summary>
    /// Registers a writer under <paramref name="name"/>: its options are bound from <c>Writers:&lt;name&gt;</c>,
    /// validated when the host starts (a key of the section that is no public property of
    /// <typeparamref name="TOptions"/>, nested options included, is refused as a typo; see
    /// <see cref="UnknownSettingsOptionsBuilderExtensions.RefuseUnknownSettings"/>), and the pipeline creates one
    /// <typeparamref name="TWriter"/> per stage (through the container, so its constructor may ask for services such as <c>ILogger&lt;T&gt;</c>; the
    /// options instance is passed to the constructor parameter of type <typeparamref name="TOptions"/>).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="name">The writer's name; case-insensitive, unique.</param>
    /// <param name="configureDefaults">Changes defaults before configuration is applied.</param>
    /// <remarks>
    /// The options are bound with the reflection-based configuration binder. A NativeAOT or trimmed application
    /// registers its writer with the overload that takes a <c>bind</c> delegate instead, whose
    /// <c>builder.BindConfiguration(section)</c> the configuration binding source generator compiles.
    /// </remarks>
    [RequiresUnreferencedCode("Binds TOptions with the reflection-based configuration binder; use the overload that takes a bind delegate.")]
    [RequiresDynamicCode("Binds TOptions with the reflection-based configuration binder; use the overload that takes a bind delegate.")]
    public static IServiceCollection AddStatsWriter<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TWriter, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] TOptions>(
        this IServiceCollection services,
        string name,
        Action<TOptions>? configureDefaults = null)
        where TWriter : class, IStatsWriter
        where TOptions : WriterOptions, new() =>
#pragma warning disable SYSLIB1104 // The reflection-based binder, on purpose: TOptions is only known to the caller.
        services.AddStatsWriter<TWriter, TOptions>(name, static (builder, section) => builder.BindConfiguration(section), configureDefaults);
#pragma warning restore SYSLIB1104

    /// <summary>
    /// Registers a writer under <paramref name="name"/> as the overload without <paramref name="bind"/> does, binding
    /// its options from <c>Writers:&lt;name&gt;</c> through <paramref name="bind"/>: pass
    /// <c>(builder, section) =&gt; builder.BindConfiguration(section)</c>, which the configuration binding source
    /// generator compiles (<c>EnableConfigurationBindingGenerator</c>), so the registration needs no reflection
    /// (NativeAOT, trimming).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="name">The writer's name; case-insensitive, unique.</param>
    /// <param name="bind">Binds the options builder to a configuration section path.</param>
    /// <param name="configureDefaults">Changes defaults before configuration is applied.</param>
    public static IServiceCollection AddStatsWriter<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TWriter, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] TOptions>(
        this IServiceCollection services,
        string name,
        Action<OptionsBuilder<TOptions>, string> bind,
        Action<TOptions>? configureDefaults = null)
        where TWriter : class, IStatsWriter
        where TOptions : WriterOptions, new()
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(bind);
        if (services.Any(d => d.ServiceType == typeof(StatsWriterRegistration)
                              && d.ImplementationInstance is StatsWriterRegistration r
                              && string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase)))
        {
            throw new InvalidOperationException($"A stats writer named '{name}' is already registered.");
        }

        var section = $"{WritersSection}:{name}";
        var builder = services.AddOptions<TOptions>(name);
        if (configureDefaults is not null)
        {
            builder.Configure(configureDefaults);
        }

        bind(builder, section);
        builder.ValidateOnStart();
        services.AddSingleton<IValidateOptions<TOptions>>(new SectionOptionsValidator<TOptions>(name, section));
        builder.RefuseUnknownSettings(section);
        services.AddSingleton(StatsWriterRegistration.For<TWriter, TOptions>(name));
        services.TryAddSingleton(TimeProvider.System);
        return services;
    }
}
