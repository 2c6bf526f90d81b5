using System.Runtime.InteropServices;

namespace Jaqmc.Sinks.Hdf5.Native;

/// <summary>
/// The few HDF5 1.10 C functions the statistics writer and reader need. Ids (<c>hid_t</c>) are <c>long</c>,
/// <c>herr_t</c>/<c>htri_t</c> are <c>int</c>, <c>hsize_t</c> is <c>ulong</c>, <c>hbool_t</c> is one byte.
/// Callers hold <see cref="Hdf5Library.Sync"/> and have touched <see cref="Hdf5Library.Globals"/> first, so the
/// resolver is installed before any import binds.
/// </summary>
internal static unsafe partial class H5
{
    /// <summary><c>H5P_DEFAULT</c>, <c>H5S_ALL</c>, <c>H5E_DEFAULT</c>.</summary>
    public const long Default = 0;

    /// <summary><c>H5S_UNLIMITED</c>.</summary>
    public const ulong Unlimited = ulong.MaxValue;

    /// <summary><c>H5F_ACC_RDONLY</c>.</summary>
    public const uint AccReadOnly = 0;

    /// <summary><c>H5F_ACC_RDWR</c>.</summary>
    public const uint AccReadWrite = 1;

    /// <summary><c>H5F_ACC_TRUNC</c>.</summary>
    public const uint AccTruncate = 2;

    /// <summary><c>H5F_SCOPE_LOCAL</c>.</summary>
    public const int ScopeLocal = 0;

    /// <summary><c>H5S_SCALAR</c>.</summary>
    public const int ScalarSpace = 0;

    /// <summary><c>H5S_SELECT_SET</c>.</summary>
    public const int SelectSet = 0;

    /// <summary><c>H5T_CSET_UTF8</c>.</summary>
    public const int CharsetUtf8 = 1;

    /// <summary><c>H5T_VARIABLE</c>: the size of a variable-length string type.</summary>
    public static readonly nuint VariableSize = nuint.MaxValue;

    /// <summary><c>H5_INDEX_NAME</c>.</summary>
    public const int IndexName = 0;

    /// <summary><c>H5_ITER_INC</c>.</summary>
    public const int IterIncreasing = 0;

    /// <summary><c>H5G_info_t</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct GroupInfo
    {
        public int StorageType;
        public ulong LinkCount;
        public long MaxCreationOrder;
        public byte Mounted;
    }

    [LibraryImport(Hdf5Library.LogicalName)]
    public static partial int H5open();

    [LibraryImport(Hdf5Library.LogicalName)]
    public static partial int H5get_libversion(out uint major, out uint minor, out uint release);

    [LibraryImport(Hdf5Library.LogicalName)]
    public static partial int H5Eset_auto2(long stack, IntPtr func, IntPtr clientData);

    [LibraryImport(Hdf5Library.LogicalName)]
    public static partial int H5free_memory(IntPtr buffer);

    /// <summary><c>H5E_WALK_UPWARD</c>: from the most specific error to the API call.</summary>
    public const int WalkUpward = 0;

    /// <summary><c>H5E_error2_t</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct ErrorRecord
    {
        public long ClassId;
        public long MajorId;
        public long MinorId;
        public uint Line;
        public IntPtr FunctionName;
        public IntPtr FileName;
        public IntPtr Description;
    }

    [LibraryImport(Hdf5Library.LogicalName)]
    public static partial int H5Ewalk2(long stack, int direction, delegate* unmanaged<uint, ErrorRecord*, IntPtr, int> walker, IntPtr clientData);

    [LibraryImport(Hdf5Library.LogicalName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial long H5Fcreate(string name, uint flags, long createList, long accessList);

    [LibraryImport(Hdf5Library.LogicalName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial long H5Fopen(string name, uint flags, long accessList);

    [LibraryImport(Hdf5Library.LogicalName)]
    public static partial int H5Fflush(long id, int scope);

    [LibraryImport(Hdf5Library.LogicalName)]
    public static partial int H5Fclose(long id);

    [LibraryImport(Hdf5Library.LogicalName)]
    public static partial long H5Pcreate(long propertyClass);

    [LibraryImport(Hdf5Library.LogicalName)]
    public static partial int H5Pclose(long id);

    [LibraryImport(Hdf5Library.LogicalName)]
    public static partial int H5Pset_chunk(long list, int rank, ulong* dims);

    [LibraryImport(Hdf5Library.LogicalName)]
    public static partial int H5Pset_fill_value(long list, long type, void* value);

    [LibraryImport(Hdf5Library.LogicalName)]
    public static partial int H5Pset_file_locking(
        long list,
        [MarshalAs(UnmanagedType.U1)] bool useFileLocking,
        [MarshalAs(UnmanagedType.U1)] bool ignoreWhenDisabled);

    [LibraryImport(Hdf5Library.LogicalName)]
    public static partial int H5Pset_char_encoding(long list, int encoding);

    [LibraryImport(Hdf5Library.LogicalName)]
    public static partial int H5Pset_alignment(long list, ulong threshold, ulong alignment);

    [LibraryImport(Hdf5Library.LogicalName)]
    public static partial int H5Pset_chunk_cache(long list, nuint slots, nuint bytes, double w0);

    [LibraryImport(Hdf5Library.LogicalName)]
    public static partial long H5Screate(int type);

    [LibraryImport(Hdf5Library.LogicalName)]
    public static partial long H5Screate_simple(int rank, ulong* dims, ulong* maxDims);

    [LibraryImport(Hdf5Library.LogicalName)]
    public static partial int H5Sselect_hyperslab(long space, int op, ulong* start, ulong* stride, ulong* count, ulong* block);

    [LibraryImport(Hdf5Library.LogicalName)]
    public static partial int H5Sget_simple_extent_dims(long space, ulong* dims, ulong* maxDims);

    [LibraryImport(Hdf5Library.LogicalName)]
    public static partial int H5Sget_simple_extent_ndims(long space);

    [LibraryImport(Hdf5Library.LogicalName)]
    public static partial int H5Sclose(long id);

    [LibraryImport(Hdf5Library.LogicalName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial long H5Dcreate2(long location, string name, long type, long space, long linkCreateList, long createList, long accessList);

    [LibraryImport(Hdf5Library.LogicalName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial long H5Dopen2(long location, string name, long accessList);

    [LibraryImport(Hdf5Library.LogicalName)]
    public static partial int H5Dset_extent(long dataset, ulong* size);

    [LibraryImport(Hdf5Library.LogicalName)]
    public static partial int H5Dwrite(long dataset, long memoryType, long memorySpace, long fileSpace, long transferList, void* buffer);

    [LibraryImport(Hdf5Library.LogicalName)]
    public static partial int H5Dread(long dataset, long memoryType, long memorySpace, long fileSpace, long transferList, void* buffer);

    [LibraryImport(Hdf5Library.LogicalName)]
    public static partial long H5Dget_space(long dataset);

    [LibraryImport(Hdf5Library.LogicalName)]
    public static partial int H5Dclose(long id);

    [LibraryImport(Hdf5Library.LogicalName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int H5Lexists(long location, string name, long accessList);

    [LibraryImport(Hdf5Library.LogicalName)]
    public static partial int H5Gget_info(long location, GroupInfo* info);

    [LibraryImport(Hdf5Library.LogicalName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint H5Lget_name_by_idx(long location, string groupName, int indexType, int order, ulong n, byte* name, nuint size, long accessList);

    [LibraryImport(Hdf5Library.LogicalName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial long H5Acreate2(long location, string name, long type, long space, long createList, long accessList);

    [LibraryImport(Hdf5Library.LogicalName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial long H5Aopen(long location, string name, long accessList);

    [LibraryImport(Hdf5Library.LogicalName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int H5Aexists(long location, string name);

    [LibraryImport(Hdf5Library.LogicalName)]
    public static partial int H5Awrite(long attribute, long memoryType, void* buffer);

    [LibraryImport(Hdf5Library.LogicalName)]
    public static partial int H5Aread(long attribute, long memoryType, void* buffer);

    [LibraryImport(Hdf5Library.LogicalName)]
    public static partial int H5Aclose(long id);

    [LibraryImport(Hdf5Library.LogicalName)]
    public static partial long H5Tcopy(long type);

    [LibraryImport(Hdf5Library.LogicalName)]
    public static partial int H5Tset_size(long type, nuint size);

    [LibraryImport(Hdf5Library.LogicalName)]
    public static partial int H5Tset_cset(long type, int charset);

    [LibraryImport(Hdf5Library.LogicalName)]
    public static partial int H5Tclose(long id);

    /// <summary>Throws when an <c>herr_t</c>/<c>htri_t</c> is negative; returns it otherwise.</summary>
    public static int Check(int status, string what) =>
        status >= 0 ? status : throw Failure(what);

    /// <summary>Throws when an id is negative; returns it otherwise.</summary>
    public static long Check(long id, string what) =>
        id >= 0 ? id : throw Failure(what);

    /// <summary>
    /// An exception for a failed call, with the library's error stack (such as "truncated file: eof = ...") in its
    /// message: automatic printing is off, so this is the only place the reason shows.
    /// </summary>
    private static Hdf5Exception Failure(string what)
    {
        var messages = new List<string>();
        var handle = GCHandle.Alloc(messages);
        try
        {
            H5Ewalk2(Default, WalkUpward, &CollectError, GCHandle.ToIntPtr(handle));
        }
        finally
        {
            handle.Free();
        }

        return new Hdf5Exception(messages.Count == 0
            ? $"HDF5 call {what} failed."
            : $"HDF5 call {what} failed: {string.Join("; ", messages)}.");
    }

    [UnmanagedCallersOnly]
    private static int CollectError(uint index, ErrorRecord* error, IntPtr clientData)
    {
        // The walk runs on the calling thread inside H5Ewalk2; exceptions must not cross back into C.
        try
        {
            var messages = (List<string>)GCHandle.FromIntPtr(clientData).Target!;
            var function = Marshal.PtrToStringUTF8(error->FunctionName);
            var description = Marshal.PtrToStringUTF8(error->Description);
            messages.Add(string.IsNullOrEmpty(function) ? description ?? "?" : $"{function}: {description}");
            return messages.Count < 4 ? 0 : 1;
        }
        catch
        {
            return -1;
        }
    }
}
