namespace Jaqmc.Service;

/// <summary>What one writer did during the process's life, reported at shutdown.</summary>
public sealed record WriterSummary(string Writer, long Written, long Failed, long StillQueued, string? Error)
{
    /// <summary>Records written across stages.</summary>
    public long Written { get; set; } = Written;

    /// <summary>Records that could not be written after retries.</summary>
    public long Failed { get; set; } = Failed;

    /// <summary>Records still queued when the pipeline stopped (zero after a clean shutdown).</summary>
    public long StillQueued { get; set; } = StillQueued;

    /// <summary>The error that stopped the writer, if any.</summary>
    public string? Error { get; set; } = Error;
}
