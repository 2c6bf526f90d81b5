namespace Jaqmc.Sinks;

/// <summary>
/// An error that retrying cannot fix (bad configuration, authentication failure, a foreign file format).
/// The pipeline reports it at once instead of retrying.
/// </summary>
public sealed class PermanentWriterException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PermanentWriterException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
