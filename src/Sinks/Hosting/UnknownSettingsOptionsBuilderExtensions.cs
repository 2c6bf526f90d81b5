using System.Diagnostics.CodeAnalysis;
using Jaqmc.Sinks.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

// The extension lives in the DI namespace, beside the registration extensions, so it needs no extra using.
// ReSharper disable once CheckNamespace
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Refuses misspelt settings: a typo in a section stops the host at start instead of being ignored.</summary>
public static class UnknownSettingsOptionsBuilderExtensions
{
    /// <summary>
    /// When the options are validated (at start with <c>ValidateOnStart</c>), refuses each key of
    /// <paramref name="section"/> that is no public property of <typeparamref name="TOptions"/>, with one failure per
    /// key such as <c>Pipeline:Capacityy is not a setting (the settings of Pipeline: Capacity, ...)</c>. Keys match
    /// as the configuration binder matches them: in any case, by <c>[ConfigurationKeyName]</c> where a property has
    /// one, and key by key inside a nested options object; a collection's entries are not checked. Writer sections
    /// (<c>Writers:&lt;Name&gt;</c>) get this check from <c>AddStatsWriter</c>; call it for sections of your own.
    /// </summary>
    /// <param name="builder">The options builder whose options are bound from <paramref name="section"/>.</param>
    /// <param name="section">The configuration path, such as <c>Pipeline</c>.</param>
    /// <param name="alsoKnown">Keys of the section that something other than the options reads.</param>
    /// <typeparam name="TOptions">The options type.</typeparam>
    /// <returns>The builder.</returns>
    public static OptionsBuilder<TOptions> RefuseUnknownSettings<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] TOptions>(
        this OptionsBuilder<TOptions> builder, string section, params string[] alsoKnown)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(section);
        var name = builder.Name;
        builder.Services.AddSingleton<IValidateOptions<TOptions>>(sp =>
            new UnknownSettingsValidator<TOptions>(name, section, sp.GetService<IConfiguration>(), alsoKnown));
        return builder;
    }
}
