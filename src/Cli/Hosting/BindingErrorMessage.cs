using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace Jaqmc.Cli.Hosting;

/// <summary>
/// Rewords the configuration binder's "Failed to convert configuration value 'x' at 'Section:Key' to type 'T'" the
/// way every other setting's problem reads: <c>Pipeline:FullMode must be one of Wait, DropWrite (got 'x')</c>.
/// </summary>
internal static partial class BindingErrorMessage
{
    /// <summary>The reworded message, or null when <paramref name="message"/> is not the binder's conversion error.</summary>
    public static string? TryRewrite(string message)
    {
        var match = ConversionFailure().Match(message);
        if (!match.Success)
        {
            return null;
        }

        var path = match.Groups["path"].Value;
        var value = Secret(path) ? "a value not shown here" : $"'{match.Groups["value"].Value}'";
        return $"{path} must be {Describe(match.Groups["type"].Value)} (got {value})";
    }

    private static string Describe(string typeName)
    {
        var type = Resolve(typeName);
        type = type is null ? null : Nullable.GetUnderlyingType(type) ?? type;
        if (type is null)
        {
            return $"a {typeName[(typeName.LastIndexOf('.') + 1)..]}";
        }

        if (type.IsEnum)
        {
            return $"one of {string.Join(", ", Enum.GetNames(type))}";
        }

        return Type.GetTypeCode(type) switch
        {
            TypeCode.Boolean => "true or false",
            TypeCode.SByte or TypeCode.Int16 or TypeCode.Int32 or TypeCode.Int64 => "a whole number",
            TypeCode.Byte or TypeCode.UInt16 or TypeCode.UInt32 or TypeCode.UInt64 => "a whole number, 0 or more",
            TypeCode.Single or TypeCode.Double or TypeCode.Decimal => "a number",
            _ when type == typeof(TimeSpan) => "a time span such as 00:00:01.5 (hh:mm:ss)",
            _ => $"a {type.Name}",
        };
    }

    // The types a setting can have, looked up by the binder's name for them: a table first, which a NativeAOT build
    // can answer; then the loaded assemblies, for the enums of a custom writer's options (in a NativeAOT build such a
    // type may not be found, and the message then reads "a <Name>").
    private static readonly Type[] SettingTypes =
    [
        typeof(bool), typeof(sbyte), typeof(short), typeof(int), typeof(long), typeof(byte), typeof(ushort), typeof(uint),
        typeof(ulong), typeof(float), typeof(double), typeof(decimal), typeof(TimeSpan),
        typeof(Jaqmc.Service.PipelineFullMode), typeof(Jaqmc.Training.TrainingSystem),
    ];

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Only words an error message; a type not found reads as its name.")]
    [UnconditionalSuppressMessage("Trimming", "IL2057", Justification = "Only words an error message; a type not found reads as its name.")]
    private static Type? Resolve(string typeName) =>
        Array.Find(SettingTypes, t => t.FullName == typeName)
        ?? Type.GetType(typeName, throwOnError: false)
        ?? AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetType(typeName, throwOnError: false)).FirstOrDefault(t => t is not null);

    private static bool Secret(string path) =>
        path.Contains("ConnectionString", StringComparison.OrdinalIgnoreCase) || path.Contains("Password", StringComparison.OrdinalIgnoreCase);

    [GeneratedRegex(@"^Failed to convert configuration value '(?<value>.*)' at '(?<path>[^']+)' to type '(?<type>[^']+)'", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex ConversionFailure();
}
