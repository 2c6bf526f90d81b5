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
        lock (Hdf5Library.Sync)
        {
            using var file = Hdf5Api.OpenFile(path, create: false, readOnly: true);
            if (!Hdf5Api.Exists(file, Hdf5Layout.StepDataset))
            {
                throw new InvalidDataException($"'{path}' has no '{Hdf5Layout.StepDataset}' dataset.");
            }

            var datasets = new List<(string Key, Hdf5Handle Dataset)>();
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

                    var dataset = Hdf5Api.OpenDataset(file, name);
                    datasets.Add((Hdf5Api.ReadStringAttribute(dataset, Hdf5Layout.KeyAttribute) ?? Hdf5Layout.KeyFromDatasetName(name), dataset));
                    length = Math.Min(length, Hdf5Api.Length(dataset));
                }

                var steps = Hdf5Api.Read<long>(step, length);
                length = Hdf5ColumnFile.CountValidRows(steps);
                var columns = new Dictionary<string, double[]>(datasets.Count, StringComparer.Ordinal);
                foreach (var (key, dataset) in datasets)
                {
                    columns[key] = Hdf5Api.Read<double>(dataset, length);
                }

                return new Hdf5StatsData(steps[..(int)length], columns, Hdf5Api.ReadStringAttribute(file, Hdf5Layout.StageAttribute));
            }
            finally
            {
                foreach (var (_, dataset) in datasets)
                {
                    dataset.Dispose();
                }
            }
        }
    }
}
