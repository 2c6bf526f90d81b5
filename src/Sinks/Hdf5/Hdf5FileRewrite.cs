using Jaqmc.Sinks.Hdf5.Native;

namespace Jaqmc.Sinks.Hdf5;

/// <summary>
/// Rewrites a statistics file through a fresh file beside it (<see cref="Hdf5ColumnFile.ResumeTemporaryPath"/>)
/// that is closed, checked, fsynced (unless the original holds no rows the stage keeps) and renamed over the original,
/// which is only ever read: a kill at any point leaves either the original or the complete new file. Used to create a stage's file, to give it new datasets
/// (its first rows, a key that appears mid-stage), to resume at a step and to compact a finished file.
/// </summary>
internal static class Hdf5FileRewrite
{
    /// <summary>
    /// Resumes an existing file at <paramref name="initialStep"/>: copies its valid rows before that step into a
    /// fresh file beside it, replaces the old file with it (an atomic rename) and opens the result read-write.
    /// </summary>
    /// <remarks>
    /// The valid rows end at the shortest dataset (a kill during a write can leave datasets apart) and at the first
    /// negative step (see <see cref="Hdf5ColumnFile.CountValidRows"/>). Rewriting
    /// instead of shrinking in place means a file damaged by a kill beyond its valid rows (HDF5's default format
    /// has no journal) never carries the damage into the resumed run, and the old file stays whole until the new
    /// one is complete.
    /// </remarks>
    /// <exception cref="InvalidDataException">
    /// The existing file cannot be read as a statistics file (not HDF5, damaged, or another layout).
    /// </exception>
    /// <exception cref="Hdf5Exception">Writing the replacement failed (the existing file is untouched).</exception>
    public static Hdf5ColumnFile Resume(string path, string stage, long initialStep, int chunkSize)
    {
        lock (Hdf5Library.Sync)
        {
            Rewrite(path, stage, initialStep, chunkSize, Hdf5ColumnFile.StepChunkRows(chunkSize), appendable: true);
            return Hdf5ColumnFile.Open(path, readOnly: false, chunkSize);
        }
    }

    /// <summary>
    /// Creates an empty statistics file (the layout's attributes and an empty <c>step</c> dataset) beside
    /// <paramref name="path"/>, replaces <paramref name="path"/> with it and opens it read-write. A kill while the file
    /// is built leaves the previous file at <paramref name="path"/> (or none), never a half-written one.
    /// </summary>
    public static Hdf5ColumnFile CreateEmpty(string path, string stage, int chunkSize)
    {
        lock (Hdf5Library.Sync)
        {
            var fresh = Hdf5ColumnFile.ResumeTemporaryPath(path);
            File.Delete(fresh);
            Hdf5ColumnFile.Create(fresh, stage, chunkSize).Dispose();
            // The file replaced holds no row the stage keeps (none, or rows of a start it discards): a rename that a
            // kill cannot tear is all it needs.
            FileDurability.Replace(fresh, path);
            return Hdf5ColumnFile.Open(path, readOnly: false, chunkSize);
        }
    }

    /// <summary>
    /// Appends the buffered rows of <paramref name="buffer"/> to the open file <paramref name="live"/> when they need
    /// new datasets (a file's first rows, or keys it has no dataset for): copies the file's rows into a fresh file
    /// beside it, appends the buffer there, checks it, makes it durable and renames it over <paramref name="live"/>'s
    /// path, then opens the result. Returns the new open file; <paramref name="live"/> is closed once it is replaced
    /// and stays open and unchanged if this fails.
    /// </summary>
    /// <remarks>
    /// A new dataset changes the file's structure (the root group's entries, object headers, chunk index roots),
    /// and HDF5 writes such metadata in no crash-safe order, the superblock last: a kill inside the flush that adds
    /// a dataset in place can leave a file that no reader opens ("addr overflow"), taking the rows already in it
    /// along. Built aside, the live file is never written while its structure changes; its rows are copied once,
    /// which costs a moment for a key that appears late in a long stage and nothing for a file's first rows.
    /// </remarks>
    /// <exception cref="Hdf5Exception">Writing the new file failed (the live file is untouched).</exception>
    public static Hdf5ColumnFile AppendWithNewDatasets(Hdf5ColumnFile live, string path, string stage, int chunkSize, Hdf5RowBuffer buffer)
    {
        lock (Hdf5Library.Sync)
        {
            var fresh = Hdf5ColumnFile.ResumeTemporaryPath(path);
            File.Delete(fresh);
            var rows = live.Length + (ulong)buffer.Count;
            using (var copy = Hdf5ColumnFile.Create(fresh, stage, chunkSize))
            {
                copy.FaultInjection = live.FaultInjection;
                copy.CopyRowsFrom(live, live.Length, path);
                copy.Append(buffer);
            }

            CheckRows(fresh, chunkSize, rows);
            live.FaultInjection?.Invoke("rebuilt");
            if (live.Length == 0)
            {
                // A file's first rows replace an empty file: nothing an fsync would protect.
                FileDurability.Replace(fresh, path);
            }
            else
            {
                FileDurability.ReplaceDurably(fresh, path);
            }

            var result = Hdf5ColumnFile.Open(path, readOnly: false, chunkSize);
            result.FaultInjection = live.FaultInjection;
            try
            {
                live.Dispose();
            }
            catch (Hdf5Exception)
            {
                // The old file is no longer at the path and no one writes to it again: failing to close it changes
                // nothing the writer or a reader sees, and the new file must not be lost over it.
            }

            return result;
        }
    }

    /// <summary>
    /// Rewrites a closed file whose stage has ended with chunks that fit its rows (one chunk per dataset), the same
    /// way <see cref="Resume"/> does: a fresh file beside it, checked, made durable and renamed over the old one.
    /// Returns the rows the file holds. HDF5 allocates whole chunks, and the layout an append needs to stay crash
    /// safe (see <see cref="Hdf5ColumnFile.Append"/>) allocates <c>step</c> and every key a full chunk even for a few rows.
    /// </summary>
    /// <exception cref="InvalidDataException">The file cannot be read as a statistics file.</exception>
    /// <exception cref="Hdf5Exception">Writing the replacement failed (the existing file is untouched).</exception>
    public static ulong Compact(string path, string stage, ulong rows)
    {
        // One chunk holds every row; HDF5 chunks must stay below 4 GiB, which ChunkSize-bounded callers never reach.
        var chunk = (int)Math.Clamp(rows, 1UL, 1UL << 26);
        lock (Hdf5Library.Sync)
        {
            // A completed stage's file is never appended to again (a resume rewrites it), so it needs no page alignment.
            return Rewrite(path, stage, long.MaxValue, chunk, chunk, appendable: false);
        }
    }

    /// <summary>
    /// Copies the valid rows of <paramref name="path"/> before <paramref name="before"/> into a fresh file with the
    /// given chunks (page-aligned when <paramref name="appendable"/>), checks it as a reader will see it, makes it durable and renames it over the old file, which is
    /// only ever read. Returns the rows kept.
    /// </summary>
    private static ulong Rewrite(string path, string stage, long before, int chunkSize, int stepChunkRows, bool appendable)
    {
        var fresh = Hdf5ColumnFile.ResumeTemporaryPath(path);
        File.Delete(fresh);
        Hdf5ColumnFile old;
        ulong keep;
        try
        {
            old = Hdf5ColumnFile.Open(path, readOnly: true, chunkSize);
        }
        catch (Hdf5Exception e)
        {
            throw Hdf5ColumnFile.Unreadable(path, e);
        }

        using (old)
        {
            try
            {
                var steps = Hdf5Api.Read<long>(old.StepDataset, old.Length);
                var valid = Hdf5ColumnFile.CountValidRows(steps);
                keep = 0UL;
                while (keep < valid && steps[keep] < before)
                {
                    keep++;
                }
            }
            catch (Hdf5Exception e)
            {
                throw Hdf5ColumnFile.Unreadable(path, e);
            }

            using var copy = Hdf5ColumnFile.Create(fresh, stage, chunkSize, stepChunkRows, appendable);
            copy.CopyRowsFrom(old, keep, path);
        }

        // Both files are closed (H5Fclose) here: nothing of the new file is left in HDF5's caches and the old
        // one was only read. Check the new file as a reader will see it, make it durable, and only then let it
        // replace the old one in a single rename (the old file is never written to).
        CheckRows(fresh, chunkSize, keep);
        FileDurability.ReplaceDurably(fresh, path);
        return keep;
    }

    /// <summary>Opens the closed new file as a reader will and checks that every dataset holds <paramref name="rows"/> rows.</summary>
    private static void CheckRows(string fresh, int chunkSize, ulong rows)
    {
        using var check = Hdf5ColumnFile.Open(fresh, readOnly: true, chunkSize);
        if (check.Length != rows)
        {
            throw new Hdf5Exception($"The rewritten copy '{fresh}' holds {check.Length} rows instead of {rows}.");
        }
    }
}
