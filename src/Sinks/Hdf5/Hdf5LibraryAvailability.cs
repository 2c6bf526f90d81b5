using Jaqmc.Sinks.Hdf5.Native;

namespace Jaqmc.Sinks.Hdf5;

/// <summary>Whether the HDF5 C library the writer and reader need can be loaded in this process.</summary>
public static class Hdf5LibraryAvailability
{
    /// <summary>
    /// The environment variable naming the HDF5 library to load (a path, or a name the loader searches for)
    /// instead of the usual names (Debian's <c>libhdf5_serial.so.103</c>, ...). Read once, when the library is first
    /// needed.
    /// </summary>
    public const string LibraryVariable = Hdf5Library.LibraryVariable;

    /// <summary>
    /// Loads the library (once per process) and says why it cannot be used: <see langword="null"/> when it loaded,
    /// otherwise one line naming what was tried and how to install it. The answer never changes within a process.
    /// </summary>
    public static string? Problem() => Hdf5Library.LoadProblem();
}
