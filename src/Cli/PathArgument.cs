using System.CommandLine;

namespace Jaqmc.Cli;

/// <summary>Positional run/directory arguments that do not swallow a mistyped option.</summary>
internal static class PathArgument
{
    /// <summary>
    /// Rejects a value starting with <c>-</c>: otherwise <c>jaqmc runs --bogus</c> would look for a directory called
    /// "--bogus" instead of reporting an unknown option.
    /// </summary>
    public static Argument<T> RejectingOptions<T>(this Argument<T> argument)
    {
        argument.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
            {
                if (token.Value.StartsWith('-'))
                {
                    result.AddError($"Unrecognized option '{token.Value}'");
                }
            }
        });
        return argument;
    }
}
