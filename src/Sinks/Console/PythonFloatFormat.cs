using System.Globalization;
using System.Numerics;
using System.Text;

namespace Jaqmc.Sinks.Console;

/// <summary>
/// Python's <c>format(value, spec)</c> for floats with the presentation types <c>f F e E g G %</c>: digits of the
/// exact binary value rounded half to even, at least two exponent digits, <c>nan</c>/<c>inf</c> (upper case for the
/// upper-case types, <c>nan%</c>/<c>inf%</c> for <c>%</c>), NaN never signed except by <c>+</c>, −0.0 kept negative.
/// Independent of the current culture.
/// </summary>
internal static class PythonFloatFormat
{
    /// <summary>Formats <paramref name="value"/> as Python's <c>[+][0][width][.precision]type</c>.</summary>
    public static string Format(double value, char type, int precision, bool plus, int? width, bool zeroPad)
    {
        bool negative;
        string body;
        if (double.IsNaN(value))
        {
            // Python prints a NaN's sign bit as nothing (and '+' as '+'), whatever it is.
            negative = false;
            body = "nan";
        }
        else
        {
            negative = double.IsNegative(value);
            var magnitude = Math.Abs(value);
            if (type == '%')
            {
                // As CPython: a floating-point multiplication by 100, then 'f' (|x| * 100 == |x * 100| exactly).
                magnitude *= 100;
            }

            body = double.IsInfinity(magnitude) ? "inf" : char.ToLowerInvariant(type) switch
            {
                'e' => Exponent(magnitude, precision),
                'g' => General(magnitude, precision),
                _ => Fixed(magnitude, precision),
            };
        }

        if (type is 'F' or 'E' or 'G')
        {
            body = body.ToUpperInvariant();
        }

        if (type == '%')
        {
            body += "%";
        }

        var sign = negative ? "-" : plus ? "+" : string.Empty;
        var length = sign.Length + body.Length;
        if (width is not { } w || w <= length)
        {
            return sign + body;
        }

        // Python's '0' flag pads between the sign and the digits; otherwise numbers are right-aligned with spaces.
        return zeroPad ? sign + new string('0', w - length) + body : (sign + body).PadLeft(w);
    }

    private static string Fixed(double magnitude, int precision)
    {
        var (digits, point) = ExactDigits(magnitude);
        var scaled = RoundToDigits(digits, point + precision).PadLeft(precision + 1, '0');
        return precision == 0 ? scaled : scaled.Insert(scaled.Length - precision, ".");
    }

    private static string Exponent(double magnitude, int precision)
    {
        var (significand, exponent) = Significant(magnitude, precision + 1);
        var text = new StringBuilder(precision + 8).Append(significand[0]);
        if (precision > 0)
        {
            text.Append('.').Append(significand, 1, precision);
        }

        return AppendExponent(text, exponent).ToString();
    }

    private static string General(double magnitude, int precision)
    {
        // Python: precision 0 means 1; fixed notation when -4 <= exponent < precision, where the exponent is that of
        // the value rounded to `precision` significant digits; trailing zeros (and a bare point) removed either way.
        var p = Math.Max(precision, 1);
        var (significand, exponent) = Significant(magnitude, p);
        var text = new StringBuilder(p + 8);
        if (exponent >= -4 && exponent < p)
        {
            if (exponent >= 0)
            {
                text.Append(significand, 0, exponent + 1).Append('.').Append(significand, exponent + 1, p - exponent - 1);
            }
            else
            {
                text.Append("0.").Append('0', -exponent - 1).Append(significand);
            }

            return TrimFraction(text).ToString();
        }

        text.Append(significand[0]).Append('.').Append(significand, 1, p - 1);
        return AppendExponent(TrimFraction(text), exponent).ToString();
    }

    /// <summary>The value rounded to <paramref name="count"/> significant digits, and the decimal exponent of the first.</summary>
    private static (string Significand, int Exponent) Significant(double magnitude, int count)
    {
        var (digits, point) = ExactDigits(magnitude);
        var rounded = RoundToDigits(digits, count);
        var exponent = point - 1;
        if (rounded.Length > count)
        {
            // Rounding carried into a new leading digit (9.99 -> 10.0): the last digit is a zero.
            rounded = rounded[..count];
            exponent++;
        }

        return (rounded, exponent);
    }

    private static StringBuilder AppendExponent(StringBuilder text, int exponent) =>
        text.Append('e').Append(exponent < 0 ? '-' : '+').Append(Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture));

    private static StringBuilder TrimFraction(StringBuilder text)
    {
        var end = text.Length;
        while (text[end - 1] == '0')
        {
            end--;
        }

        if (text[end - 1] == '.')
        {
            end--;
        }

        return text.Remove(end, text.Length - end);
    }

    /// <summary>
    /// The first <paramref name="keep"/> digits of <paramref name="digits"/> (zero-padded past its end) as an integer,
    /// rounded half to even on the digits dropped. Empty when nothing is kept and the value rounds to zero.
    /// </summary>
    private static string RoundToDigits(string digits, int keep)
    {
        if (keep < 0)
        {
            // The value is below half a unit of the last place kept.
            return string.Empty;
        }

        if (keep >= digits.Length)
        {
            return digits.PadRight(keep, '0');
        }

        // `digits` has no trailing zeros, so a dropped '5' is an exact tie only when it is the last digit.
        var first = digits[keep];
        var roundUp = first > '5'
                      || (first == '5' && (keep + 1 < digits.Length || (keep > 0 && (digits[keep - 1] - '0') % 2 == 1)));
        var kept = digits[..keep];
        if (!roundUp)
        {
            return kept;
        }

        var chars = kept.ToCharArray();
        var i = chars.Length - 1;
        while (i >= 0 && chars[i] == '9')
        {
            chars[i--] = '0';
        }

        if (i < 0)
        {
            return "1" + new string(chars);
        }

        chars[i]++;
        return new string(chars);
    }

    /// <summary>
    /// The exact decimal expansion of a finite non-negative double: its digits without leading or trailing zeros
    /// ("0" for zero) and the position of the decimal point, so that the value is 0.digits × 10^point.
    /// </summary>
    private static (string Digits, int Point) ExactDigits(double magnitude)
    {
        if (magnitude == 0)
        {
            return ("0", 1);
        }

        var bits = BitConverter.DoubleToInt64Bits(magnitude);
        var biased = (int)(bits >> 52) & 0x7FF;
        var fraction = bits & 0xF_FFFF_FFFF_FFFF;
        var mantissa = biased == 0 ? fraction : fraction | (1L << 52);
        var exponent = (biased == 0 ? 1 : biased) - 1075;

        // magnitude = mantissa × 2^exponent = mantissa × 5^-exponent × 10^exponent when the exponent is negative.
        var digits = exponent >= 0
            ? (new BigInteger(mantissa) << exponent).ToString(CultureInfo.InvariantCulture)
            : (mantissa * BigInteger.Pow(5, -exponent)).ToString(CultureInfo.InvariantCulture);
        var point = digits.Length + Math.Min(exponent, 0);
        return (digits.TrimEnd('0'), point);
    }
}
