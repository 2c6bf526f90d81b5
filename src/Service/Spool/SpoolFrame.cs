using Jaqmc.Sinks;

namespace Jaqmc.Service.Spool;

/// <summary>One decoded frame of a spool segment, and where the next frame starts.</summary>
/// <param name="Kind">What the frame holds.</param>
/// <param name="Context">The stage, for <see cref="SpoolFrameKind.StageOpen"/> and <see cref="SpoolFrameKind.StageContinue"/>.</param>
/// <param name="Records">The records, for <see cref="SpoolFrameKind.Records"/> (empty otherwise).</param>
/// <param name="Outcome">The outcome, for <see cref="SpoolFrameKind.StageClose"/>.</param>
/// <param name="AppendedAt">When the frame was appended (Unix milliseconds).</param>
/// <param name="End">The offset just after the frame in its segment.</param>
internal sealed record SpoolFrame(
    SpoolFrameKind Kind,
    WriterContext? Context,
    StatsRecord[] Records,
    StageOutcome Outcome,
    long AppendedAt,
    long End);
