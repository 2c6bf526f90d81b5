using System.Globalization;
using System.Text;

namespace Jaqmc.Sinks.Hdf5;

/// <summary>
/// The file layout shared by the writer and the reader: one float64 root dataset per key plus an int64
/// <c>step</c> dataset of the same length, and how keys map onto dataset names.
/// </summary>
/// <remarks>
/// A key is used verbatim as its dataset's name when that is safe. A key that HDF5 would read as a path
/// (it contains <c>/</c>, or is <c>.</c> or <c>..</c>), that collides with <c>step</c>, that contains NUL or a
/// lone surrogate (no exact UTF-8 form), or that starts with the escape mark <c>~</c> is stored as <c>~</c> plus
/// the key with <c>%</c>, <c>/</c>, NUL and lone surrogates percent-encoded. Verbatim names never start with
/// <c>~</c>, so the mapping is one-to-one. Every key dataset also carries its key in the <c>key</c> attribute,
/// which readers should prefer.
/// </remarks>
internal static class Hdf5Layout
{
    /// <summary>The int64 dataset holding each row's step.</summary>
    public const string StepDataset = "step";

    /// <summary>The string attribute on each key dataset holding the key verbatim.</summary>
    public const string KeyAttribute = "key";

    /// <summary>The int64 file attribute holding <see cref="FormatVersion"/>.</summary>
    public const string FormatAttribute = "jaqmc_stats_format";

    /// <summary>The string file attribute naming the writer and its version.</summary>
    public const string WriterAttribute = "jaqmc_writer";

    /// <summary>The string file attribute holding the stage name.</summary>
    public const string StageAttribute = "stage";

    /// <summary>The layout version this code writes and reads.</summary>
    public const long FormatVersion = 1;

    private const char EscapeMark = '~';

    /// <summary>
    /// What a missing value reads as: the positive quiet NaN numpy writes (<c>0x7FF8000000000000</c>). .NET's
    /// <see cref="double.NaN"/> has the sign bit set, which h5dump prints as <c>-nan</c>.
    /// </summary>
    public static readonly double MissingValue = BitConverter.Int64BitsToDouble(0x7FF8_0000_0000_0000);

    /// <summary>The dataset name that stores <paramref name="key"/>.</summary>
    public static string DatasetName(string key)
    {
        if (!NeedsEscape(key))
        {
            return key;
        }

        var builder = new StringBuilder(key.Length + 8).Append(EscapeMark);
        for (var i = 0; i < key.Length; i++)
        {
            var c = key[i];
            if (char.IsHighSurrogate(c) && i + 1 < key.Length && char.IsLowSurrogate(key[i + 1]))
            {
                builder.Append(c).Append(key[++i]);
            }
            else if (char.IsSurrogate(c))
            {
                builder.Append("%u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
            }
            else if (c is '%' or '/' or '\0')
            {
                builder.Append('%').Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    /// <summary>
    /// The key a dataset name stands for, for files whose <see cref="KeyAttribute"/> is missing.
    /// </summary>
    public static string KeyFromDatasetName(string name)
    {
        if (name.Length == 0 || name[0] != EscapeMark)
        {
            return name;
        }

        var builder = new StringBuilder(name.Length);
        for (var i = 1; i < name.Length; i++)
        {
            if (name[i] == '%' && i + 5 < name.Length && name[i + 1] == 'u'
                && int.TryParse(name.AsSpan(i + 2, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var unit))
            {
                builder.Append((char)unit);
                i += 5;
            }
            else if (name[i] == '%' && i + 2 < name.Length
                     && int.TryParse(name.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code))
            {
                builder.Append((char)code);
                i += 2;
            }
            else
            {
                builder.Append(name[i]);
            }
        }

        return builder.ToString();
    }

    private static bool NeedsEscape(string key)
    {
        if (key is "." or ".." or StepDataset || key[0] == EscapeMark)
        {
            return true;
        }

        for (var i = 0; i < key.Length; i++)
        {
            var c = key[i];
            if (c is '/' or '\0')
            {
                return true;
            }

            if (char.IsHighSurrogate(c) && i + 1 < key.Length && char.IsLowSurrogate(key[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return true;
            }
        }

        return false;
    }
}
