using System.Reflection;
using System.Runtime.InteropServices;

namespace Jaqmc.Sinks.Hdf5.Native;

/// <summary>
/// Locates the HDF5 C library at run time and reads the library's exported id globals.
/// </summary>
/// <remarks>
/// Distributions ship the library under different names (Debian's serial build is <c>libhdf5_serial.so.103</c>
/// and has no unversioned link without <c>libhdf5-dev</c>), so the <see cref="H5"/> imports use a logical name that
/// a resolver maps onto the first candidate that loads.
/// </remarks>
internal static class Hdf5Library
{
    /// <summary>The logical library name the imports in <see cref="H5"/> use.</summary>
    public const string LogicalName = "jaqmc-hdf5";

    /// <summary>The apt package to name when the library is missing.</summary>
    public const string DebianPackage = "libhdf5-103-1";

    private static readonly string[] Candidates =
    [
        "libhdf5_serial.so.103",
        "libhdf5.so.103",
        "libhdf5_serial.so.200",
        "libhdf5.so.200",
        "libhdf5.so.310",
        "libhdf5.so.320",
        "libhdf5_serial.so",
        "libhdf5.so",
        "libhdf5.dylib",
        "libhdf5.310.dylib",
        "hdf5.dll",
        "libhdf5-0.dll",
    ];

    // Lazy in a static readonly field rather than mutable state: SetDllImportResolver may be called only once per
    // assembly, and loading plus H5open must happen exactly once per process; Lazy gives both with thread safety
    // and caches a load failure so every writer reports the same clear message.
    private static readonly Lazy<Hdf5Globals> Loaded = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// Serialises this process's HDF5 calls. Debian's build is thread-safe, but builds without
    /// <c>--enable-threadsafe</c> are not, and SafeHandles may close ids from the finalizer thread.
    /// </summary>
    public static readonly Lock Sync = new();

    /// <summary>Loads the library (once) and returns its id globals.</summary>
    /// <exception cref="DllNotFoundException">No candidate library could be loaded.</exception>
    public static Hdf5Globals Globals => Loaded.Value;

    private static Hdf5Globals Load()
    {
        var handle = IntPtr.Zero;
        var tried = new List<string>();
        foreach (var name in Candidates)
        {
            if (NativeLibrary.TryLoad(name, out handle))
            {
                break;
            }

            tried.Add(name);
        }

        if (handle == IntPtr.Zero)
        {
            throw new DllNotFoundException(
                $"The HDF5 C library was not found (tried {string.Join(", ", tried)}). Install it: on Debian/Ubuntu "
                + $"'apt-get install {DebianPackage}', elsewhere your distribution's HDF5 runtime package (hdf5, libhdf5).");
        }

        NativeLibrary.SetDllImportResolver(
            typeof(Hdf5Library).Assembly,
            (name, _, _) => name == LogicalName ? handle : IntPtr.Zero);

        lock (Sync)
        {
            H5.Check(H5.H5open(), "H5open");

            // Without this the library prints its error stack to stderr for every expected failure (such as probing
            // a file that is not HDF5); errors are reported through return codes and exceptions instead.
            H5.Check(H5.H5Eset_auto2(H5.Default, IntPtr.Zero, IntPtr.Zero), "H5Eset_auto2");

            long Read(string symbol) => Marshal.ReadInt64(NativeLibrary.GetExport(handle, symbol));
            return new Hdf5Globals(
                NativeDouble: Read("H5T_NATIVE_DOUBLE_g"),
                NativeInt64: Read("H5T_NATIVE_INT64_g"),
                CString: Read("H5T_C_S1_g"),
                DatasetCreate: Read("H5P_CLS_DATASET_CREATE_ID_g"),
                DatasetAccess: Read("H5P_CLS_DATASET_ACCESS_ID_g"),
                FileAccess: Read("H5P_CLS_FILE_ACCESS_ID_g"),
                LinkCreate: Read("H5P_CLS_LINK_CREATE_ID_g"),
                Version: ReadVersion(),
                HasFileLockingControl: NativeLibrary.TryGetExport(handle, "H5Pset_file_locking", out _));
        }
    }

    private static string ReadVersion()
    {
        H5.Check(H5.H5get_libversion(out var major, out var minor, out var release), "H5get_libversion");
        return $"{major}.{minor}.{release}";
    }

    /// <summary>The version of this assembly, recorded in every file the writer creates.</summary>
    public static string WriterVersion { get; } =
        typeof(Hdf5Library).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(Hdf5Library).Assembly.GetName().Version?.ToString()
        ?? "unknown";
}
