using Jaqmc.Sinks.Hdf5.Native;

namespace Jaqmc.Sinks.Hdf5;

/// <summary>
/// An open statistics file: the <c>step</c> dataset, one dataset per key, and the number of rows every dataset
/// holds (<see cref="Length"/>). All methods take <see cref="Hdf5Library.Sync"/>.
/// </summary>
internal sealed class Hdf5ColumnFile : IDisposable
{
    private readonly Hdf5Handle _file;
    private readonly Hdf5Handle _step;
    private readonly List<Hdf5Handle> _columns = [];
    private readonly int _chunkSize;

    private Hdf5ColumnFile(Hdf5Handle file, Hdf5Handle step, int chunkSize)
    {
        _file = file;
        _step = step;
        _chunkSize = chunkSize;
    }

    /// <summary>Rows every dataset holds.</summary>
    public ulong Length { get; private set; }

    /// <summary>The keys of the datasets, in column order.</summary>
    public List<string> Keys { get; } = [];

    /// <summary>
    /// Called between the stages of <see cref="Append"/> with the stage's name (<c>values</c> once the value
    /// datasets are written and flushed, <c>step</c> once <c>step</c> is written): lets tests make an append fail
    /// half-way, which real disks do too rarely to test the rollback otherwise. Null in production.
    /// </summary>
    internal Action<string>? FaultInjection { get; set; }

    /// <summary>Creates (truncating) a file with the layout's file attributes and an empty <c>step</c> dataset.</summary>
    public static Hdf5ColumnFile Create(string path, string stage, int chunkSize)
    {
        lock (Hdf5Library.Sync)
        {
            var file = Hdf5Api.OpenFile(path, create: true);
            try
            {
                Hdf5Api.WriteInt64Attribute(file, Hdf5Layout.FormatAttribute, Hdf5Layout.FormatVersion);
                Hdf5Api.WriteStringAttribute(file, Hdf5Layout.WriterAttribute, $"Jaqmc.NET {Hdf5Library.WriterVersion} (HDF5 {Hdf5Library.Globals.Version})");
                Hdf5Api.WriteStringAttribute(file, Hdf5Layout.StageAttribute, stage);
                var step = Hdf5Api.CreateDataset(file, Hdf5Layout.StepDataset, 0, chunkSize, -1L);
                var result = new Hdf5ColumnFile(file, step, chunkSize);
                Hdf5Api.Flush(file);
                return result;
            }
            catch
            {
                file.Dispose();
                throw;
            }
        }
    }

    /// <summary>
    /// Resumes an existing file at <paramref name="initialStep"/>: copies its valid rows before that step into a
    /// fresh file beside it, replaces the old file with it (an atomic rename) and opens the result read-write.
    /// </summary>
    /// <remarks>
    /// The valid rows end at the shortest dataset (a kill during a write can leave datasets apart) and at the first
    /// negative step (see <see cref="CountValidRows"/>). Rewriting
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
        var fresh = ResumeTemporaryPath(path);
        lock (Hdf5Library.Sync)
        {
            File.Delete(fresh);
            Hdf5ColumnFile old;
            ulong keep;
            try
            {
                old = Open(path, readOnly: true, chunkSize);
            }
            catch (Hdf5Exception e)
            {
                throw Unreadable(path, e);
            }

            using (old)
            {
                try
                {
                    var steps = Hdf5Api.Read<long>(old._step, old.Length);
                    var valid = CountValidRows(steps);
                    keep = 0UL;
                    while (keep < valid && steps[keep] < initialStep)
                    {
                        keep++;
                    }
                }
                catch (Hdf5Exception e)
                {
                    throw Unreadable(path, e);
                }

                using var copy = Create(fresh, stage, chunkSize);
                copy.CopyRowsFrom(old, keep, path);
            }

            File.Move(fresh, path, overwrite: true);
            return Open(path, readOnly: false, chunkSize);
        }
    }

    /// <summary>Where <see cref="Resume"/> builds the replacement file; a leftover one is from a resume cut short.</summary>
    public static string ResumeTemporaryPath(string path) => path + ".resume";

    /// <summary>
    /// Of the rows before the shortest dataset's end, those a reader may trust: the rows before the first negative
    /// step. Steps are never negative, and -1 is the <c>step</c> dataset's fill value, so a negative step marks a row
    /// whose step never reached the file (defence in depth: the write order already keeps <c>step</c> last).
    /// </summary>
    public static ulong CountValidRows(ReadOnlySpan<long> steps)
    {
        var i = steps.IndexOfAnyInRange(long.MinValue, -1L);
        return (ulong)(i < 0 ? steps.Length : i);
    }

    private static Hdf5ColumnFile Open(string path, bool readOnly, int chunkSize)
    {
        var file = Hdf5Api.OpenFile(path, create: false, readOnly);
        Hdf5ColumnFile? result = null;
        try
        {
            var format = Hdf5Api.ReadInt64Attribute(file, Hdf5Layout.FormatAttribute);
            if (format != Hdf5Layout.FormatVersion || !Hdf5Api.Exists(file, Hdf5Layout.StepDataset))
            {
                throw new InvalidDataException(
                    $"'{path}' is an HDF5 file but not a statistics file of format {Hdf5Layout.FormatVersion} (format attribute: {format?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}).");
            }

            result = new Hdf5ColumnFile(file, Hdf5Api.OpenDataset(file, Hdf5Layout.StepDataset), chunkSize);
            var length = Hdf5Api.Length(result._step);
            foreach (var name in Hdf5Api.RootNames(file))
            {
                if (name == Hdf5Layout.StepDataset)
                {
                    continue;
                }

                var dataset = Hdf5Api.OpenDataset(file, name);
                result._columns.Add(dataset);
                result.Keys.Add(Hdf5Api.ReadStringAttribute(dataset, Hdf5Layout.KeyAttribute) ?? Hdf5Layout.KeyFromDatasetName(name));
                length = Math.Min(length, Hdf5Api.Length(dataset));
            }

            result.Length = length;
            return result;
        }
        catch
        {
            if (result is not null)
            {
                result.Dispose();
            }
            else
            {
                file.Dispose();
            }

            throw;
        }
    }

    private static InvalidDataException Unreadable(string path, Hdf5Exception e) =>
        new($"'{path}' cannot be read as HDF5: {e.Message}", e);

    private void CopyRowsFrom(Hdf5ColumnFile source, ulong rows, string sourcePath)
    {
        const int Block = 1 << 16;
        foreach (var key in source.Keys)
        {
            AddColumn(key);
        }

        Hdf5Api.SetLength(_step, rows);
        foreach (var column in _columns)
        {
            Hdf5Api.SetLength(column, rows);
        }

        var values = new double[(int)Math.Min(rows, Block)];
        var steps = new long[values.Length];
        for (ulong offset = 0; offset < rows; offset += Block)
        {
            var count = (int)Math.Min(Block, rows - offset);
            // Only read failures mean the source is damaged; write failures (a full disk) are worth a retry.
            ReadOrThrowUnreadable(() => Hdf5Api.Read<long>(source._step, offset, steps.AsSpan(0, count)));
            Hdf5Api.Write<long>(_step, offset, steps.AsSpan(0, count));
            for (var c = 0; c < _columns.Count; c++)
            {
                var column = source._columns[c];
                ReadOrThrowUnreadable(() => Hdf5Api.Read<double>(column, offset, values.AsSpan(0, count)));
                Hdf5Api.Write<double>(_columns[c], offset, values.AsSpan(0, count));
            }
        }

        Length = rows;
        Hdf5Api.Flush(_file);

        void ReadOrThrowUnreadable(Action read)
        {
            try
            {
                read();
            }
            catch (Hdf5Exception e)
            {
                throw Unreadable(sourcePath, e);
            }
        }
    }

    private void AddColumn(string key)
    {
        var dataset = Hdf5Api.CreateDataset(_file, Hdf5Layout.DatasetName(key), Length, _chunkSize, Hdf5Layout.MissingValue);
        try
        {
            Hdf5Api.WriteStringAttribute(dataset, Hdf5Layout.KeyAttribute, key);
        }
        catch
        {
            dataset.Dispose();
            throw;
        }

        _columns.Add(dataset);
        Keys.Add(key);
    }

    /// <summary>
    /// Appends the buffered rows. Value columns are written and flushed before the <c>step</c> column grows, so a
    /// crash at any moment leaves <c>step</c> no longer than the rows whose values reached the file, and readers
    /// that take the shortest dataset see only complete rows. On failure every dataset is set back to
    /// <see cref="Length"/>, so a retry rewrites the same rows at the same place.
    /// </summary>
    public void Append(Hdf5RowBuffer buffer)
    {
        lock (Hdf5Library.Sync)
        {
            // Keys that appeared since the last append get a dataset at the current length; rows before it read as
            // NaN through the fill value, so every dataset stays as long as `step`.
            while (Keys.Count < buffer.ColumnCount)
            {
                AddColumn(buffer.Key(Keys.Count));
            }

            if (buffer.Count == 0)
            {
                Hdf5Api.Flush(_file);
                return;
            }

            var newLength = Length + (ulong)buffer.Count;
            try
            {
                for (var i = 0; i < _columns.Count; i++)
                {
                    Hdf5Api.SetLength(_columns[i], newLength);
                    Hdf5Api.Write(_columns[i], Length, buffer.Column(i));
                }

                Hdf5Api.Flush(_file);
                FaultInjection?.Invoke("values");
                Hdf5Api.SetLength(_step, newLength);
                Hdf5Api.Write(_step, Length, buffer.Steps);
                FaultInjection?.Invoke("step");
                Hdf5Api.Flush(_file);
            }
            catch
            {
                ResetLengths();
                throw;
            }

            Length = newLength;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        // Datasets first: the file id closes the file only once nothing inside it is open.
        foreach (var column in _columns)
        {
            column.Dispose();
        }

        _step.Dispose();
        _file.Dispose();
    }

    private void ResetLengths()
    {
        // Best effort: the next append sets every length explicitly anyway, so a failure here changes nothing.
        try
        {
            Hdf5Api.SetLength(_step, Length);
            foreach (var column in _columns)
            {
                Hdf5Api.SetLength(column, Length);
            }
        }
        catch (Hdf5Exception)
        {
        }
    }
}
