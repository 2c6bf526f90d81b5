namespace Jaqmc.Sinks.Hdf5.Native;

/// <summary>Ids the HDF5 library exports as globals; valid once <c>H5open</c> has run.</summary>
/// <param name="NativeDouble"><c>H5T_NATIVE_DOUBLE</c>.</param>
/// <param name="NativeInt64"><c>H5T_NATIVE_INT64</c>.</param>
/// <param name="CString"><c>H5T_C_S1</c>, the base of string types.</param>
/// <param name="DatasetCreate"><c>H5P_DATASET_CREATE</c> property list class.</param>
/// <param name="DatasetAccess"><c>H5P_DATASET_ACCESS</c> property list class.</param>
/// <param name="FileAccess"><c>H5P_FILE_ACCESS</c> property list class.</param>
/// <param name="LinkCreate"><c>H5P_LINK_CREATE</c> property list class.</param>
/// <param name="Version">The library's version, such as 1.10.8.</param>
/// <param name="HasFileLockingControl">
/// Whether <c>H5Pset_file_locking</c> exists (HDF5 1.10.7+ and 1.12.1+). Older 1.10 releases lock files with no
/// way to opt out per file; readers then need <c>HDF5_USE_FILE_LOCKING=FALSE</c> in their environment.
/// </param>
internal sealed record Hdf5Globals(
    long NativeDouble,
    long NativeInt64,
    long CString,
    long DatasetCreate,
    long DatasetAccess,
    long FileAccess,
    long LinkCreate,
    string Version,
    bool HasFileLockingControl);
