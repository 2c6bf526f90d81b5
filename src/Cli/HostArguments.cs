namespace Jaqmc.Cli;

/// <summary>
/// Splits the command line into the verbs' own tokens and generic-host configuration overrides
/// (<c>--Section:Key=value</c> or <c>--Section:Key value</c>), which the verbs do not declare but must keep working.
/// </summary>
internal static class HostArguments
{
    /// <summary>Returns the tokens for the command-line parser and the configuration overrides, in order.</summary>
    public static (List<string> Verb, List<string> Host) Split(IReadOnlyList<string> args)
    {
        var verb = new List<string>(args.Count);
        var host = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var token = args[i];
            if (!IsOverride(token))
            {
                verb.Add(token);
                continue;
            }

            host.Add(token);

            // "--Section:Key value": the value is the next token (as Microsoft.Extensions.Configuration reads it).
            if (!token.Contains('=', StringComparison.Ordinal) && i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                host.Add(args[++i]);
            }
        }

        return (verb, host);
    }

    /// <summary>Whether a token is a configuration override: <c>--</c>, then a name holding <c>:</c> before any <c>=</c>.</summary>
    public static bool IsOverride(string token)
    {
        if (!token.StartsWith("--", StringComparison.Ordinal) || token.Length < 4)
        {
            return false;
        }

        var equals = token.IndexOf('=', StringComparison.Ordinal);
        var name = equals < 0 ? token.AsSpan(2) : token.AsSpan(2, equals - 2);
        return name.Contains(':') && name[0] != ':';
    }
}
