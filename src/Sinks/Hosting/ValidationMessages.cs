using System.Collections;
using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace Jaqmc.Sinks.Hosting;

/// <summary>
/// Words a failed data-annotation attribute the way every other setting's problem reads: the rule, then the value
/// given, such as <c>must be between 1 and 16777216 (got 0)</c> (the caller puts the setting's path before it).
/// </summary>
internal static class ValidationMessages
{
    private static readonly string[] SecretNames = ["Password", "Secret", "ConnectionString", "Token", "ApiKey"];

    /// <summary>The rule <paramref name="attribute"/> states and the value that broke it.</summary>
    /// <param name="attribute">The attribute that failed.</param>
    /// <param name="member">The property's name (a secret's value is not shown).</param>
    /// <param name="value">The property's value.</param>
    /// <param name="result">The attribute's own result, used for attributes this class does not know.</param>
    public static string Describe(ValidationAttribute attribute, string member, object? value, ValidationResult result)
    {
        var got = $"(got {Show(member, value)})";
        if (!string.IsNullOrEmpty(attribute.ErrorMessage) || attribute.ErrorMessageResourceType is not null)
        {
            // The author's own words.
            return $"{Own(result.ErrorMessage, member)} {got}";
        }

        return attribute switch
        {
            RangeAttribute range => $"must be {RangeRule(range)} {got}",
            RequiredAttribute => $"must be set {got}",
            EnumDataTypeAttribute { EnumType: { IsEnum: true } type } => $"must be one of {string.Join(", ", Enum.GetNames(type))} {got}",
            AllowedValuesAttribute allowed => $"must be one of {string.Join(", ", allowed.Values.Select(v => Show(member, v)))} {got}",
            DeniedValuesAttribute denied => $"must not be one of {string.Join(", ", denied.Values.Select(v => Show(member, v)))} {got}",
            StringLengthAttribute length => $"must have {Between(length.MinimumLength, length.MaximumLength)} characters {got}",
            LengthAttribute length => $"must have {Between(length.MinimumLength, length.MaximumLength)} {Unit(value)} {got}",
            MinLengthAttribute min => $"must have at least {min.Length} {Unit(value)} {got}",
            MaxLengthAttribute max => $"must have at most {max.Length} {Unit(value)} {got}",
            RegularExpressionAttribute pattern => $"must match {pattern.Pattern} {got}",
            _ => $"{Own(result.ErrorMessage, member)} {got}",
        };
    }

    /// <summary>A value as a message shows it: strings quoted, numbers and times invariant, secrets hidden.</summary>
    public static string Show(string member, object? value)
    {
        if (SecretNames.Any(s => member.Contains(s, StringComparison.OrdinalIgnoreCase)))
        {
            return "a value not shown here";
        }

        return value switch
        {
            null => "nothing",
            string s => $"'{s}'",
            bool b => b ? "true" : "false",
            TimeSpan t => t.ToString("c", CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            ICollection c => $"{c.Count} item(s)",
            _ => value.ToString() ?? "nothing",
        };
    }

    private static string RangeRule(RangeAttribute range)
    {
        var min = Show(string.Empty, range.Minimum);
        var max = Show(string.Empty, range.Maximum);
        var lower = range.MinimumIsExclusive ? $"greater than {min}" : $"at least {min}";
        if (IsUnbounded(range.Maximum))
        {
            return lower;
        }

        return range.MinimumIsExclusive || range.MaximumIsExclusive
            ? $"{lower} and {(range.MaximumIsExclusive ? "less than" : "at most")} {max}"
            : $"between {min} and {max}";
    }

    private static bool IsUnbounded(object maximum) => maximum switch
    {
        int i => i == int.MaxValue,
        long l => l == long.MaxValue,
        double d => d == double.MaxValue || double.IsPositiveInfinity(d),
        _ => false,
    };

    private static string Between(int min, int max) =>
        min <= 0 ? $"at most {max}" : max <= 0 || max == int.MaxValue ? $"at least {min}" : $"between {min} and {max}";

    private static string Unit(object? value) => value is string ? "characters" : "items";

    private static string Own(string? message, string member)
    {
        // "The field Walkers must ..." or "The Walkers field is ..." would repeat the setting the caller names.
        var text = (message ?? "is not valid").Trim().TrimEnd('.');
        foreach (var prefix in (string[])[$"The field {member} ", $"The {member} field ", $"{member} "])
        {
            if (text.StartsWith(prefix, StringComparison.Ordinal))
            {
                return text[prefix.Length..];
            }
        }

        return text;
    }
}
