namespace Jaqmc.Service.Spool;

/// <summary>
/// What a spool directory holds, read from its files without uploading: the segments in order, their records and
/// bytes, and when the oldest record was spooled. Used when a spool is opened and by <c>jaqmc show</c>/<c>runs</c>.
/// </summary>
internal sealed class SpoolScan
{
    private SpoolScan(IReadOnlyList<SpoolSegment> segments, IReadOnlyList<(long Records, long AppendedAt)> frames)
    {
        Segments = segments;
        Frames = frames;
    }

    public IReadOnlyList<SpoolSegment> Segments { get; }

    /// <summary>Each frame with records: how many, and when it was appended (Unix ms), in order.</summary>
    public IReadOnlyList<(long Records, long AppendedAt)> Frames { get; }

    public long Records => Segments.Sum(s => s.Records);

    public long Bytes => Segments.Sum(s => s.FileBytes);

    /// <summary>When the oldest spooled record was written to the spool, or null when there is none.</summary>
    public DateTimeOffset? OldestRecord => Frames.Count == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds(Frames[0].AppendedAt);

    /// <summary>Reads every segment in <paramref name="directory"/> (none when it does not exist).</summary>
    public static SpoolScan Read(string directory)
    {
        var segments = new List<SpoolSegment>();
        var frames = new List<(long, long)>();
        if (!Directory.Exists(directory))
        {
            return new SpoolScan(segments, frames);
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
                while (reader.Skip(size, out var records, out var appendedAt))
                {
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

        return new SpoolScan(segments, frames);
    }
}
