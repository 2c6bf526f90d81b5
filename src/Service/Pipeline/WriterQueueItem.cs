namespace Jaqmc.Service.Pipeline;

/// <summary>An item of a writer's queue: a chunk of records, or a flush barrier.</summary>
internal readonly record struct WriterQueueItem(RecordChunk? Records, TaskCompletionSource? Flush);
