namespace Jaqmc.Sinks.Hdf5.Native;

/// <summary>An HDF5 library call failed (it returned a negative id or status).</summary>
internal sealed class Hdf5Exception : IOException
{
    public Hdf5Exception(string message)
        : base(message)
    {
    }
}
