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

    /// <summary>The <c>step</c> dataset (read by <see cref="Hdf5FileRewrite"/>).</summary>
    internal Hdf5Handle StepDataset => _step;

    /// <summary>The keys of the datasets, in column order.</summary>
    public List<string> Keys { get; } = [];

    /// <summary>
    /// Called between the stages of <see cref="Append"/> with the stage's name (<c>values</c> once the value
    /// datasets are written and flushed, <c>step</c> once <c>step</c> is written): lets tests make an append fail
    /// half-way, which real disks do too rarely to test the rollback otherwise. Null in production.
    /// </summary>
    internal Action<string>? FaultInjection { get; set; }

    /// <summary>Creates (truncating) a file with the layout's file attributes and an empty <c>step</c> dataset.</summary>
    public static Hdf5ColumnFile Create(string path, string stage, int chunkSize) =>
        Create(path, stage, chunkSize, StepChunkRows(chunkSize), appendable: true);

    /// <summary>
    /// Creates (truncating) a file whose <c>step</c> chunks hold <paramref name="stepChunkRows"/> rows; an
    /// <paramref name="appendable"/> one places its chunk index nodes so a kill cannot tear them (see <see cref="Append"/>).
    /// </summary>
    internal static Hdf5ColumnFile Create(string path, string stage, int chunkSize, int stepChunkRows, bool appendable)
    {
        lock (Hdf5Library.Sync)
        {
            var file = Hdf5Api.OpenFile(path, create: true, pageAligned: appendable);
            try
            {
                Hdf5Api.WriteInt64Attribute(file, Hdf5Layout.FormatAttribute, Hdf5Layout.FormatVersion);
                Hdf5Api.WriteStringAttribute(file, Hdf5Layout.WriterAttribute, $"Jaqmc.NET {Hdf5Library.WriterVersion} (HDF5 {Hdf5Library.Globals.Version})");
                Hdf5Api.WriteStringAttribute(file, Hdf5Layout.StageAttribute, stage);
                // `step` chunks are long (see Append): without a chunk cache each append writes only its rows to them.
                var step = Hdf5Api.CreateDataset(file, Hdf5Layout.StepDataset, 0, stepChunkRows, -1L, uncached: true);
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

    /// <summary>Where <see cref="Hdf5FileRewrite"/> builds a replacement file; a leftover one is from a rewrite cut short.</summary>
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

    /// <summary>Opens an existing statistics file; <see cref="Length"/> is its shortest dataset's.</summary>
    internal static Hdf5ColumnFile Open(string path, bool readOnly, int chunkSize)
    {
        var file = Hdf5Api.OpenFile(path, create: false, readOnly, pageAligned: !readOnly);
        Hdf5ColumnFile? result = null;
        try
        {
            var format = Hdf5Api.ReadInt64Attribute(file, Hdf5Layout.FormatAttribute);
            if (format != Hdf5Layout.FormatVersion || !Hdf5Api.Exists(file, Hdf5Layout.StepDataset))
            {
                throw new InvalidDataException(
                    $"'{path}' is an HDF5 file but not a statistics file of format {Hdf5Layout.FormatVersion} (format attribute: {format?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}).");
            }

            result = new Hdf5ColumnFile(file, Hdf5Api.OpenDataset(file, Hdf5Layout.StepDataset, uncached: true), chunkSize);
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

    internal static InvalidDataException Unreadable(string path, Hdf5Exception e) =>
        new($"'{path}' cannot be read as HDF5: {e.Message}", e);

    /// <summary>Copies the first <paramref name="rows"/> rows of every dataset of <paramref name="source"/> into this new file.</summary>
    internal void CopyRowsFrom(Hdf5ColumnFile source, ulong rows, string sourcePath)
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
    /// Appends the buffered rows so that a kill at any moment leaves every row before the shortest dataset's end
    /// exact and readable. On failure every dataset is set back to <see cref="Length"/>, so a retry rewrites the
    /// same rows at the same place.
    /// </summary>
    /// <remarks>
    /// <para>
    /// HDF5's default format has no journal: <c>H5Fflush</c> writes raw data, then dirty metadata (object headers,
    /// chunk B-tree nodes) one entry at a time, and the superblock, whose end-of-allocation address bounds every
    /// read, last. A kill inside a flush can therefore leave a dataset whose new length reached the file while the
    /// B-tree entry of a chunk allocated in that flush did not (its rows read as the fill value) or while the
    /// superblock still ends before that chunk (h5py fails with "addr overflow"). Such a half-written flush is
    /// harmless only for rows that no reader trusts yet, that is rows at or beyond the shortest dataset's end.
    /// </para>
    /// <para>
    /// So rows are committed in pieces of two flushes each. The first flush grows the "leading" datasets and may
    /// allocate chunks while the other ("gating") datasets still end before the piece, so no reader trusts its rows;
    /// the second grows the gating datasets, and a piece never makes a gating dataset enter a chunk it has not used
    /// before: their chunks are already allocated and recorded, the superblock already covers them, and the commit
    /// changes only raw data in place and the lengths in the object headers. Value datasets use chunks of
    /// <c>chunkSize</c> rows and <c>step</c> chunks of <see cref="StepChunkRows"/> rows, so their chunk boundaries
    /// almost never coincide: a piece that starts a new <c>step</c> chunk leads with <c>step</c> and is gated by the
    /// values, every other piece leads with the values and is gated by <c>step</c>. (Where both grids start a chunk at
    /// the same row, every chunkSize × <see cref="StepChunkRows"/> rows, no order avoids a fresh allocation in the commit.
    /// Row 0 is such a row, so a file's first rows, like any rows that need a new dataset, are not appended in place:
    /// see <see cref="Hdf5FileRewrite.AppendWithNewDatasets"/>.)
    /// </para>
    /// <para>
    /// A flush that adds a chunk also rewrites the dataset's chunk index node (a v1 B-tree leaf of 2,096 bytes), and
    /// HDF5 merges adjacent dirty metadata into one write. A SIGKILL can cut a write between two pages, so a node that
    /// straddles a page boundary could reach the file with its new entry count and its old entries: HDF5's binary
    /// search then misses the last chunks, and rows every dataset already covered read as NaN. The file is therefore
    /// opened with page alignment for nodes and chunks (<see cref="Hdf5Api.OpenFile"/>); a write within one page is
    /// never cut.
    /// </para>
    /// </remarks>
    public void Append(Hdf5RowBuffer buffer)
    {
        lock (Hdf5Library.Sync)
        {
            // Keys that appeared since the last append get a dataset at the current length; rows before it read as
            // NaN through the fill value, so every dataset stays as long as `step`. (Only in a file no reader sees
            // yet: Hdf5FileRewrite.AppendWithNewDatasets.)
            while (Keys.Count < buffer.ColumnCount)
            {
                AddColumn(buffer.Key(Keys.Count));
            }

            if (buffer.Count == 0)
            {
                Hdf5Api.Flush(_file);
                return;
            }

            var start = Length;
            var end = Length + (ulong)buffer.Count;
            var stepChunk = (ulong)StepChunkRows(_chunkSize);
            var valueChunk = (ulong)_chunkSize;
            try
            {
                for (var from = start; from < end;)
                {
                    var startsStepChunk = from % stepChunk == 0;
                    var startsValueChunk = from % valueChunk == 0;
                    ulong to;
                    if (startsStepChunk && !startsValueChunk)
                    {
                        // `step` enters a new chunk: it leads, and the values (whose current chunk is allocated) gate
                        // up to their next chunk boundary.
                        to = Math.Min(end, NextMultiple(from, valueChunk));
                        WriteStep(buffer, start, from, to);
                        Hdf5Api.Flush(_file);
                        WriteValues(buffer, start, from, to);
                        FaultInjection?.Invoke("values");
                        FaultInjection?.Invoke("step");
                        Hdf5Api.Flush(_file);
                    }
                    else
                    {
                        // The values lead (they may enter new chunks) and `step`, whose current chunk is allocated,
                        // gates up to its next chunk boundary.
                        to = Math.Min(end, NextMultiple(from, stepChunk));
                        WriteValues(buffer, start, from, to);
                        Hdf5Api.Flush(_file);
                        FaultInjection?.Invoke("values");
                        WriteStep(buffer, start, from, to);
                        FaultInjection?.Invoke("step");
                        Hdf5Api.Flush(_file);
                    }

                    from = to;
                }
            }
            catch
            {
                ResetLengths();
                throw;
            }

            Length = end;
        }
    }

    /// <summary>
    /// Rows per chunk of the <c>step</c> dataset: 16 × <paramref name="chunkSize"/> + 1, whose multiples meet those
    /// of <paramref name="chunkSize"/> only every chunkSize × (16 × chunkSize + 1) rows (every 268 million rows at the
    /// default 4096); see <see cref="Append"/>.
    /// </summary>
    internal static int StepChunkRows(int chunkSize)
    {
        var rows = (16L * chunkSize) + 1;

        // HDF5 chunks must stay below 4 GiB; fall back to chunkSize + 1 (still coprime with chunkSize).
        return rows <= (1 << 26) ? (int)rows : (chunkSize < int.MaxValue ? chunkSize + 1 : chunkSize - 1);
    }

    private static ulong NextMultiple(ulong value, ulong of) => ((value / of) + 1) * of;

    private void WriteValues(Hdf5RowBuffer buffer, ulong start, ulong from, ulong to)
    {
        var offset = (int)(from - start);
        var count = (int)(to - from);
        for (var i = 0; i < _columns.Count; i++)
        {
            Hdf5Api.SetLength(_columns[i], to);
            Hdf5Api.Write(_columns[i], from, buffer.Column(i).Slice(offset, count));
        }
    }

    private void WriteStep(Hdf5RowBuffer buffer, ulong start, ulong from, ulong to)
    {
        Hdf5Api.SetLength(_step, to);
        Hdf5Api.Write(_step, from, buffer.Steps.Slice((int)(from - start), (int)(to - from)));
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
