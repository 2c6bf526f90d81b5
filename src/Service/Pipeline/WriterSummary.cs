namespace Jaqmc.Service;

/// <summary>What one writer did during the process's life, reported at stop.</summary>
/// <param name="Writer">The writer's registered name.</param>
/// <param name="Written">Records written, across stages.</param>
/// <param name="Failed">Records that could not be written after retries.</param>
/// <param name="StillQueued">Records still queued when the pipeline stopped (zero after a clean stop).</param>
/// <param name="Error">The error that stopped the writer, if any.</param>
public sealed record WriterSummary(string Writer, long Written, long Failed, long StillQueued, string? Error);
