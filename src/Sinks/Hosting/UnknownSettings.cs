using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace Jaqmc.Sinks.Hosting;

/// <summary>
/// Finds the keys of a configuration section that bind to no setting of its options type: a misspelt name
/// (<c>Writers:Csv:FlushIntervall</c>) is otherwise ignored by the binder, and the run goes on with the default the
/// user meant to change. Keys match property names case-insensitively, as the binder matches them; a nested options
/// object (<c>Retry</c>, <c>Spool</c>) is checked key by key too; a collection's entries are not.
/// </summary>
internal static class UnknownSettings
{
    /// <summary>One line per key under <paramref name="section"/> that no property of <paramref name="type"/> takes.</summary>
    /// <param name="configuration">The application's configuration.</param>
    /// <param name="section">The section's path, such as <c>Writers:Csv</c>.</param>
    /// <param name="type">The options type bound from the section.</param>
    /// <param name="alsoKnown">Keys of the section that something other than the options reads.</param>
    public static IEnumerable<string> Find(
        IConfiguration configuration,
        string section,
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] Type type,
        IReadOnlyCollection<string> alsoKnown)
    {
        var properties = Settable(type);
        foreach (var child in configuration.GetSection(section).GetChildren())
        {
            if (alsoKnown.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                continue;
            }

            var property = properties.FirstOrDefault(p => string.Equals(KeyOf(p), child.Key, StringComparison.OrdinalIgnoreCase));
            if (property is null)
            {
                yield return $"{section}:{child.Key} is not a setting (the settings of {section}: {string.Join(", ", properties.Select(KeyOf).Concat(alsoKnown).Order(StringComparer.OrdinalIgnoreCase))})";
                continue;
            }

            if (IsOptionsObject(property.PropertyType))
            {
                foreach (var problem in FindNested(configuration, child.Path, property))
                {
                    yield return problem;
                }
            }
        }
    }

    // The binder sets a property with a setter, and fills a nested object or a collection through its getter.
    private static PropertyInfo[] Settable([DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0
                        && (p.SetMethod is { IsPublic: true } || (p.GetMethod is not null && p.PropertyType.IsClass && p.PropertyType != typeof(string))))
            .ToArray();

    // The binder's own rule: [ConfigurationKeyName] renames a property's key.
    private static string KeyOf(PropertyInfo property) =>
        property.GetCustomAttribute<ConfigurationKeyNameAttribute>()?.Name ?? property.Name;

    // A trimmed or NativeAOT build keeps a nested type's property metadata only when asked to, though the generated
    // binder sets the properties: the shared nested options are kept here, and a nested type whose properties were
    // trimmed away (a custom writer's, say) is not checked rather than reported as having no settings.
    [UnconditionalSuppressMessage(
        "Trimming",
        "IL2072",
        Justification = "The shared nested options are kept by DynamicDependency; any other nested type without property metadata is skipped.")]
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicProperties, typeof(WriterRetryOptions))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicProperties, typeof(SpoolOptions))]
    private static IEnumerable<string> FindNested(IConfiguration configuration, string path, PropertyInfo property) =>
        Settable(property.PropertyType).Length == 0 ? [] : Find(configuration, path, property.PropertyType, []);

    private static bool IsOptionsObject(Type type) =>
        type.IsClass && type != typeof(string) && type != typeof(Uri) && !typeof(IEnumerable).IsAssignableFrom(type);
}
