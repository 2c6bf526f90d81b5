using System.Globalization;
using System.Text;

namespace Jaqmc.Sinks.Console;

/// <summary>One console field: <c>[alias=]key[:format]</c> with a Python-style number format.</summary>
internal sealed record ConsoleFieldSpec(string Alias, string Key, bool Plus, int? Width, int Precision, char Type)
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

        var (plus, width, precision, type) = ParseFormat(format, spec);
        return new ConsoleFieldSpec(alias ?? rest, rest, plus, width, precision, type);
    }

    public string Format(double value)
    {
        string text;
        if (double.IsNaN(value))
        {
            text = "nan";
        }
        else if (double.IsInfinity(value))
        {
            text = value > 0 ? (Plus ? "+inf" : "inf") : "-inf";
        }
        else
        {
            text = Type switch
            {
                'e' or 'E' => FormatExponent(value),
                'g' or 'G' => value.ToString("G" + Math.Max(Precision, 1), CultureInfo.InvariantCulture),
                '%' => (value * 100).ToString("F" + Precision, CultureInfo.InvariantCulture) + "%",
                _ => value.ToString("F" + Precision, CultureInfo.InvariantCulture),
            };
            if (Plus && value >= 0)
            {
                text = "+" + text;
            }
        }

        return Width is { } w ? text.PadLeft(w) : text;
    }

    private string FormatExponent(double value)
    {
        // Python prints at least two exponent digits: 1.2346e+00.
        var pattern = new StringBuilder("0.").Append('0', Precision).Append(Type).Append("+00").ToString();
        if (Precision == 0)
        {
            pattern = "0" + Type + "+00";
        }

        return value.ToString(pattern, CultureInfo.InvariantCulture);
    }

    private static (bool Plus, int? Width, int Precision, char Type) ParseFormat(string format, string spec)
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

        return (plus, width, precision, type);
    }
}
