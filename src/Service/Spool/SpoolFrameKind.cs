namespace Jaqmc.Service.Spool;

/// <summary>What a frame of a spool segment holds; the uploader replays them in order.</summary>
internal enum SpoolFrameKind : byte
{
    /// <summary>A stage opened at its initial step: the store discards the stage's rows from that step on.</summary>
    StageOpen = 1,

    /// <summary>The first frame of a segment begun while a stage was open: the stage goes on, nothing is discarded.</summary>
    StageContinue = 2,

    /// <summary>A batch of records of the open stage.</summary>
    Records = 3,

    /// <summary>The stage ended with an outcome (its status in the store).</summary>
    StageClose = 4,
}
