using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Microsoft.Extensions.Options;

namespace Jaqmc.Sinks.Hosting;

/// <summary>
/// Validates options with data annotations and <see cref="IValidatableObject"/>, and names each failing setting
/// by its full configuration path (for example <c>Writers:Csv:FlushInterval</c>) so the user knows what to fix.
/// Every problem reads the same way: the setting, the rule, the value given, as in
/// <c>Pipeline:Capacity must be greater than 0 (got -5)</c>; attributes such as <see cref="RangeAttribute"/> are
/// worded so (<c>Training:Walkers must be between 1 and 16777216 (got 0)</c>), and
/// <see cref="IValidatableObject.Validate"/> results are expected to read so already.
/// </summary>
/// <typeparam name="TOptions">The options type.</typeparam>
internal sealed class SectionOptionsValidator<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] TOptions> : IValidateOptions<TOptions>
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

        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        // The declared type, not options.GetType(): its properties are the ones kept for a trimmed or NativeAOT build.
        foreach (var property in typeof(TOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0 || property.GetMethod is null)
            {
                continue;
            }

            var attributes = property.GetCustomAttributes<ValidationAttribute>(inherit: true).ToArray();
            if (attributes.Length == 0)
            {
                continue;
            }

            var value = property.GetValue(options);
            var context = new ValidationContext(options, property.Name, null, null) { MemberName = property.Name };
            foreach (var attribute in attributes)
            {
                if (attribute.GetValidationResult(value, context) is { } result)
                {
                    failures.Add($"{_section}:{property.Name} {ValidationMessages.Describe(attribute, property.Name, value, result)}");
                }
            }
        }

        foreach (var attribute in typeof(TOptions).GetCustomAttributes<ValidationAttribute>(inherit: true))
        {
            if (attribute.GetValidationResult(options, ObjectContext(options)) is { } result)
            {
                failures.Add(Name(result));
            }
        }

        // As Validator.TryValidateObject does: an object's own checks run once its properties are each valid.
        if (failures.Count == 0 && options is IValidatableObject validatable)
        {
            failures.AddRange(validatable.Validate(ObjectContext(options)).Where(r => r != ValidationResult.Success).Select(Name));
        }

        return failures.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(failures.Distinct(StringComparer.Ordinal));
    }

    // Named explicitly: the one-argument constructor looks the name up by reflection, which trimming may break.
    private static ValidationContext ObjectContext(TOptions options) => new(options, typeof(TOptions).Name, null, null);

    private string Name(ValidationResult result) =>
        $"{_section}:{string.Join(",", result.MemberNames.DefaultIfEmpty("?"))} {result.ErrorMessage}";
}
