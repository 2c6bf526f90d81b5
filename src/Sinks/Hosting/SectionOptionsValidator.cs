using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Jaqmc.Sinks.Hosting;

/// <summary>
/// Validates options with data annotations and <see cref="IValidatableObject"/>, and names each failing setting
/// by its full configuration path (for example <c>Writers:Csv:FlushInterval</c>) so the user knows what to fix.
/// </summary>
/// <typeparam name="TOptions">The options type.</typeparam>
internal sealed class SectionOptionsValidator<TOptions> : IValidateOptions<TOptions>
    where TOptions : class
{
    private readonly string? _name;
    private readonly string _section;

    /// <summary>Creates a validator for the named options instance bound from <paramref name="section"/>.</summary>
    /// <param name="name">The options name (null validates every name).</param>
    /// <param name="section">The configuration path, such as <c>Writers:Csv</c>.</param>
    public SectionOptionsValidator(string? name, string section)
    {
        _name = name;
        _section = section;
    }

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        if (_name is not null && name != _name)
        {
            return ValidateOptionsResult.Skip;
        }

        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        if (results.Count == 0)
        {
            return ValidateOptionsResult.Success;
        }

        var failures = results
            .Select(r => $"{_section}:{string.Join(",", r.MemberNames.DefaultIfEmpty("?"))} {r.ErrorMessage}")
            .Distinct(StringComparer.Ordinal)
            .ToArray();
        return ValidateOptionsResult.Fail(failures);
    }
}
