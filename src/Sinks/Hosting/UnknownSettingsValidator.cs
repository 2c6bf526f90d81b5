using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Jaqmc.Sinks.Hosting;

/// <summary>
/// Refuses the keys of a section that are no setting of its options (<see cref="UnknownSettings"/>): a typo such as
/// <c>Writers:Csv:FlushIntervall</c> stops the host at start instead of leaving the default the user meant to change.
/// Runs beside <see cref="SectionOptionsValidator{TOptions}"/>, so a typo and a bad value are both reported.
/// </summary>
/// <typeparam name="TOptions">The options bound from the section.</typeparam>
/// <param name="name">The options name (null checks every name).</param>
/// <param name="section">The configuration path, such as <c>Writers:Csv</c>.</param>
/// <param name="configuration">The configuration the options are bound from; null (no configuration) checks nothing.</param>
/// <param name="alsoKnown">Keys of the section that something other than the options reads.</param>
internal sealed class UnknownSettingsValidator<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] TOptions>(
    string? name, string section, IConfiguration? configuration, IReadOnlyCollection<string>? alsoKnown = null) : IValidateOptions<TOptions>
    where TOptions : class
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? optionsName, TOptions options)
    {
        if (configuration is null || (name is not null && optionsName != name))
        {
            return ValidateOptionsResult.Skip;
        }

        var failures = UnknownSettings.Find(configuration, section, typeof(TOptions), alsoKnown ?? []).ToArray();
        return failures.Length == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
