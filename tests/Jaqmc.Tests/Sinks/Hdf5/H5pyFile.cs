namespace Jaqmc.Tests.Sinks.Hdf5;

/// <summary>A file as h5py sees it.</summary>
internal sealed record H5pyFile(IReadOnlyDictionary<string, H5pyDataset> Datasets, IReadOnlyDictionary<string, string> Attributes)
{
    /// <summary>The float datasets by the key in their <c>key</c> attribute.</summary>
    public Dictionary<string, double[]> ColumnsByKey() =>
        Datasets.Values.Where(d => d.Dtype == "float64").ToDictionary(d => d.Key ?? d.Name, d => d.Doubles, StringComparer.Ordinal);

    public long[] Steps => Datasets["step"].Longs;
}

/// <summary>One dataset as h5py sees it; values as doubles or longs depending on its type.</summary>
internal sealed record H5pyDataset(string Name, string? Key, string Dtype, long Length, long? MaxShape, double[] Doubles, long[] Longs);
