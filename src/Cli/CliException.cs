namespace Jaqmc.Cli;

/// <summary>
/// A problem the user can fix (a missing run, an unreadable file, a bad key): printed as one line on stderr,
/// without a stack trace, and turned into <see cref="ExitCode"/>.
/// </summary>
internal sealed class CliException : Exception
{
    public CliException(string message, int exitCode = Hosting.ExitCodes.Error, Exception? inner = null)
        : base(message, inner)
    {
        ExitCode = exitCode;
    }

    public CliException()
        : this("error")
    {
    }

    public CliException(string message)
        : this(message, Hosting.ExitCodes.Error)
    {
    }

    public CliException(string message, Exception innerException)
        : this(message, Hosting.ExitCodes.Error, innerException)
    {
    }

    /// <summary>The process exit code for this problem.</summary>
    public int ExitCode { get; }
}
