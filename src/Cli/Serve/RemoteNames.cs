namespace Jaqmc.Cli.Serve;

/// <summary>
/// The rules for run and stage names received over the network: they name a directory and files under the server's
/// root, so they are safe as paths on every system.
/// </summary>
internal static class RemoteNames
{
    public const int MaxLength = 128;

    /// <summary>null when <paramref name="name"/> is a valid run or stage name, otherwise the rule and the value.</summary>
    public static string? Problem(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "must not be empty (got '')";
        }

        if (name.Length > MaxLength)
        {
            return $"must be at most {MaxLength} characters (got {name.Length})";
        }

        if (name[0] is '.' or '-')
        {
            return $"must not start with '.' or '-' (got '{name}')";
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
            {
                return $"may hold only ASCII letters, digits, '_', '-' and '.' (got '{name}')";
            }
        }

        return null;
    }
}
