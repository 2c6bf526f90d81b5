namespace Jaqmc.Sinks;

/// <summary>The statistics pipeline cannot accept or deliver records (see the message for which writer and why).</summary>
public sealed class StatsPipelineException : Exception
{
    /// <summary>Creates the exception.</summary>
    public StatsPipelineException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
