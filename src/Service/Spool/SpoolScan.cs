namespace Jaqmc.Service.Spool;

/// <summary>
/// What a spool directory holds, read from its files without uploading: the segments in order, their records and
/// bytes, and when the oldest record was spooled. Used when a spool is opened and by <c>jaqmc show</c>/<c>runs</c>.
/// </summary>
internal sealed class SpoolScan
{
    private SpoolScan(IReadOnlyList<SpoolSegment> segments, IReadOnlyList<(long Records, long AppendedAt)> frames, long stageChanges)
    {
        Segments = segments;
        Frames = frames;
        StageChanges = stageChanges;
    }

    public IReadOnlyList<SpoolSegment> Segments { get; }

    /// <summary>Each frame with records: how many, and when it was appended (Unix ms), in order.</summary>
    public IReadOnlyList<(long Records, long AppendedAt)> Frames { get; }

    public long Records => Segments.Sum(s => s.Records);

    /// <summary>Frames that open or close a stage (its status in the store).</summary>
    public long StageChanges { get; }

    public long Bytes => Segments.Sum(s => s.FileBytes);

    /// <summary>When the oldest spooled record was written to the spool, or null when there is none.</summary>
    public DateTimeOffset? OldestRecord => Frames.Count == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds(Frames[0].AppendedAt);

    /// <summary>Reads every segment in <paramref name="directory"/> (none when it does not exist).</summary>
    public static SpoolScan Read(string directory)
    {
        var segments = new List<SpoolSegment>();
        var frames = new List<(long, long)>();
        var stageChanges = 0L;
        if (!Directory.Exists(directory))
        {
            return new SpoolScan(segments, frames, stageChanges);
        }

        var files = Directory.EnumerateFiles(directory, "*" + SpoolSegment.Extension)
            .Select(p => (Ok: SpoolSegment.TryParse(p, out var n), Sequence: n, Path: p))
            .Where(f => f.Ok)
            .OrderBy(f => f.Sequence);
        foreach (var (_, sequence, path) in files)
        {
            var segment = new SpoolSegment(sequence, path) { Sealed = true };
            long size;
            try
            {
                size = new FileInfo(path).Length;
                using var reader = SpoolSegmentReader.Open(path);
                while (reader.Skip(size, out var records, out var stageChange, out var appendedAt))
                {
                    stageChanges += stageChange ? 1 : 0;
                    if (records > 0)
                    {
                        segment.Records += records;
                        frames.Add((records, appendedAt));
                    }
                }

                segment.Length = reader.Offset;
            }
            catch (FileNotFoundException)
            {
                // Uploaded and deleted while we looked.
                continue;
            }

            segment.FileBytes = size;
            segments.Add(segment);
        }

        return new SpoolScan(segments, frames, stageChanges);
    }
}
