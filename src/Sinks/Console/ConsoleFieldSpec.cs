using System.Globalization;

namespace Jaqmc.Sinks.Console;

/// <summary>One console field: <c>[alias=]key[:format]</c> with a Python-style number format.</summary>
/// <remarks>A width written with a leading zero (<c>010.4f</c>) pads with zeros after the sign, as Python's <c>0</c> flag.</remarks>
internal sealed record ConsoleFieldSpec(string Alias, string Key, bool Plus, bool ZeroPad, int? Width, int Precision, char Type)
{
    public static IReadOnlyList<ConsoleFieldSpec> ParseList(string? fields)
    {
        if (string.IsNullOrWhiteSpace(fields))
        {
            throw new FormatException("is empty: give at least one field such as 'energy=total_energy:.4f'");
        }

        return fields.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(Parse).ToArray();
    }

    public static ConsoleFieldSpec Parse(string spec)
    {
        var alias = default(string);
        var rest = spec;
        var eq = spec.IndexOf('=');
        if (eq >= 0)
        {
            alias = spec[..eq].Trim();
            rest = spec[(eq + 1)..].Trim();
        }

        var format = ".4f";
        var colon = rest.LastIndexOf(':');
        if (colon >= 0 && rest[(colon + 1)..].Any(char.IsAsciiDigit))
        {
            format = rest[(colon + 1)..];
            rest = rest[..colon];
        }

        if (rest.Length == 0 || (alias is not null && alias.Length == 0))
        {
            throw new FormatException($"field '{spec}' has an empty key or alias (expected [alias=]key[:format])");
        }

        var (plus, zeroPad, width, precision, type) = ParseFormat(format, spec);
        return new ConsoleFieldSpec(alias ?? rest, rest, plus, zeroPad, width, precision, type);
    }

    /// <summary>The value as Python's <c>format(value, spec)</c> prints it (see <see cref="PythonFloatFormat"/>).</summary>
    public string Format(double value) => PythonFloatFormat.Format(value, Type, Precision, Plus, Width, ZeroPad);

    private static (bool Plus, bool ZeroPad, int? Width, int Precision, char Type) ParseFormat(string format, string spec)
    {
        var i = 0;
        var plus = false;
        if (i < format.Length && format[i] == '+')
        {
            plus = true;
            i++;
        }

        var start = i;
        while (i < format.Length && char.IsAsciiDigit(format[i]))
        {
            i++;
        }

        int? width = i > start ? int.Parse(format.AsSpan(start, i - start), CultureInfo.InvariantCulture) : null;
        var zeroPad = i > start && format[start] == '0';
        var precision = 6;
        if (i < format.Length && format[i] == '.')
        {
            start = ++i;
            while (i < format.Length && char.IsAsciiDigit(format[i]))
            {
                i++;
            }

            if (i == start)
            {
                throw new FormatException($"field '{spec}': format '{format}' has '.' without a precision");
            }

            precision = int.Parse(format.AsSpan(start, i - start), CultureInfo.InvariantCulture);
        }

        var type = 'f';
        if (i < format.Length)
        {
            type = format[i++];
            if ("fFeEgG%".IndexOf(type, StringComparison.Ordinal) < 0)
            {
                throw new FormatException($"field '{spec}': format type '{type}' is not one of f, e, g, %");
            }
        }

        if (i != format.Length || precision > 17)
        {
            throw new FormatException($"field '{spec}': format '{format}' is not [+][width][.precision][f|e|g|%]");
        }

        return (plus, zeroPad, width, precision, type);
    }
}
