using Jaqmc.Sinks.Hdf5.Native;

namespace Jaqmc.Sinks.Hdf5;

/// <summary>Reads a statistics file written by <see cref="Hdf5StatsWriter"/> (also while it is being written).</summary>
public static class Hdf5StatsReader
{
    /// <summary>
    /// Reads every complete row: the shortest dataset bounds the rows, and so does the first negative step
    /// (<see cref="Hdf5ColumnFile.CountValidRows"/>), so a file that is being
    /// written or was cut short by a crash yields a consistent prefix.
    /// </summary>
    /// <exception cref="Hdf5Exception">The file is not HDF5 or cannot be read.</exception>
    /// <exception cref="InvalidDataException">The file has no <c>step</c> dataset.</exception>
    public static Hdf5StatsData Read(string path)
    {
        var slice = ReadSlice(path, static _ => true, 0);
        return new Hdf5StatsData(slice.Steps, slice.Columns, slice.Stage);
    }

    /// <summary>
    /// Reads the steps and the columns of <paramref name="keys"/> (those the file holds) from row
    /// <paramref name="firstRow"/> to the last complete row, bounded as <see cref="Read"/> bounds them; the other
    /// columns are not read. Past the last row, the slice is empty.
    /// </summary>
    /// <exception cref="Hdf5Exception">The file is not HDF5 or cannot be read.</exception>
    /// <exception cref="InvalidDataException">The file has no <c>step</c> dataset.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="firstRow"/> is negative.</exception>
    public static Hdf5StatsSlice ReadColumns(string path, IReadOnlyCollection<string> keys, long firstRow = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(firstRow);
        ArgumentNullException.ThrowIfNull(keys);
        return ReadSlice(path, keys.Contains, firstRow);
    }

    private static Hdf5StatsSlice ReadSlice(string path, Func<string, bool> wantedKey, long firstRow)
    {
        lock (Hdf5Library.Sync)
        {
            using var file = Hdf5Api.OpenFile(path, create: false, readOnly: true);
            if (!Hdf5Api.Exists(file, Hdf5Layout.StepDataset))
            {
                throw new InvalidDataException($"'{path}' has no '{Hdf5Layout.StepDataset}' dataset.");
            }

            var names = new List<string>();
            var wanted = new List<(string Key, Hdf5Handle Dataset)>();
            try
            {
                using var step = Hdf5Api.OpenDataset(file, Hdf5Layout.StepDataset);
                var length = Hdf5Api.Length(step);
                foreach (var name in Hdf5Api.RootNames(file))
                {
                    if (name == Hdf5Layout.StepDataset)
                    {
                        continue;
                    }

                    // Every dataset is opened for its length (the shortest bounds the rows), only the wanted are read.
                    var dataset = Hdf5Api.OpenDataset(file, name);
                    var kept = false;
                    try
                    {
                        var key = Hdf5Api.ReadStringAttribute(dataset, Hdf5Layout.KeyAttribute) ?? Hdf5Layout.KeyFromDatasetName(name);
                        names.Add(key);
                        length = Math.Min(length, Hdf5Api.Length(dataset));
                        if (wantedKey(key))
                        {
                            wanted.Add((key, dataset));
                            kept = true;
                        }
                    }
                    finally
                    {
                        if (!kept)
                        {
                            dataset.Dispose();
                        }
                    }
                }

                var start = (ulong)firstRow;
                var steps = new long[start < length ? length - start : 0];
                Hdf5Api.Read<long>(step, start, steps);
                var count = (int)Hdf5ColumnFile.CountValidRows(steps);
                var columns = new Dictionary<string, double[]>(wanted.Count, StringComparer.Ordinal);
                foreach (var (key, dataset) in wanted)
                {
                    var values = new double[count];
                    Hdf5Api.Read<double>(dataset, start, values);
                    columns[key] = values;
                }

                return new Hdf5StatsSlice(names, firstRow, steps[..count], columns, Hdf5Api.ReadStringAttribute(file, Hdf5Layout.StageAttribute));
            }
            finally
            {
                foreach (var (_, dataset) in wanted)
                {
                    dataset.Dispose();
                }
            }
        }
    }
}
