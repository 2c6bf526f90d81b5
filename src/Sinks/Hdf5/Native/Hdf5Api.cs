using System.Runtime.InteropServices;
using System.Text;

namespace Jaqmc.Sinks.Hdf5.Native;

/// <summary>
/// Typed helpers over <see cref="H5"/> for one-dimensional datasets and string attributes. Every id a helper
/// creates is held in an <see cref="Hdf5Handle"/>; callers hold <see cref="Hdf5Library.Sync"/>.
/// </summary>
internal static unsafe class Hdf5Api
{
    /// <summary>The page size a SIGKILL can cut a write at (x86-64 and arm64 Linux with 4 KiB pages).</summary>
    private const ulong PageSize = 4096;

    /// <summary>Allocations from this size on are page-aligned: chunk index nodes and chunks, not object headers.</summary>
    private const ulong PageAlignmentThreshold = 1024;

    private static Hdf5Globals G => Hdf5Library.Globals;

    /// <summary>Creates (truncating) or opens a file with file locking off, so readers can open it while it is written.</summary>
    /// <remarks>
    /// With <paramref name="pageAligned"/> (a file that will be appended to) the allocations of at least
    /// <see cref="PageAlignmentThreshold"/> bytes start on a page: see <see cref="Hdf5ColumnFile.Append"/>.
    /// </remarks>
    public static Hdf5Handle OpenFile(string path, bool create, bool readOnly = false, bool pageAligned = false)
    {
        using var access = Hdf5Handle.Wrap(H5.H5Pcreate(G.FileAccess), Hdf5Kind.PropertyList, "H5Pcreate(file access)");

        // The writer never holds the file lock: h5py and pandas readers would otherwise fail with "unable to lock
        // file" for the whole run. Ignore-when-disabled lets this work on file systems without flock.
        if (G.HasFileLockingControl)
        {
            H5.Check(H5.H5Pset_file_locking(access.Id, false, true), "H5Pset_file_locking");
        }

        if (pageAligned && !readOnly)
        {
            // Every allocation of at least PageAlignmentThreshold bytes starts on a page, so a chunk index node (2,096
            // bytes for these one-dimensional datasets) never straddles two pages. A SIGKILL can cut a write between
            // pages (the kernel checks for a fatal signal before copying each page), and HDF5 writes a flush's
            // adjacent metadata in one write: a node cut there, with its new entry count but stale entries, makes
            // HDF5's binary search miss old chunks, whose trusted rows then read as NaN. Within one page a write is
            // whole. Alignment only places new allocations; the file format is unchanged.
            H5.Check(H5.H5Pset_alignment(access.Id, PageAlignmentThreshold, PageSize), "H5Pset_alignment");
        }

        var id = create
            ? H5.H5Fcreate(path, H5.AccTruncate, H5.Default, access.Id)
            : H5.H5Fopen(path, readOnly ? H5.AccReadOnly : H5.AccReadWrite, access.Id);
        return Hdf5Handle.Wrap(id, Hdf5Kind.File, $"{(create ? "H5Fcreate" : "H5Fopen")}('{path}')");
    }

    /// <summary>Writes the file's dirty data and metadata to the operating system (no fsync).</summary>
    public static void Flush(Hdf5Handle file) => H5.Check(H5.H5Fflush(file.Id, H5.ScopeLocal), "H5Fflush");

    /// <summary>Whether the root group has a link called <paramref name="name"/>.</summary>
    public static bool Exists(Hdf5Handle file, string name) => H5.Check(H5.H5Lexists(file.Id, name, H5.Default), $"H5Lexists('{name}')") > 0;

    /// <summary>The names of the root group's links, in name order.</summary>
    public static List<string> RootNames(Hdf5Handle file)
    {
        H5.GroupInfo info;
        H5.Check(H5.H5Gget_info(file.Id, &info), "H5Gget_info");
        var names = new List<string>((int)info.LinkCount);
        for (ulong i = 0; i < info.LinkCount; i++)
        {
            var length = H5.H5Lget_name_by_idx(file.Id, ".", H5.IndexName, H5.IterIncreasing, i, null, 0, H5.Default);
            H5.Check((long)length, "H5Lget_name_by_idx");
            var buffer = new byte[length + 1];
            fixed (byte* p = buffer)
            {
                H5.Check((long)H5.H5Lget_name_by_idx(file.Id, ".", H5.IndexName, H5.IterIncreasing, i, p, (nuint)buffer.Length, H5.Default), "H5Lget_name_by_idx");
            }

            names.Add(Encoding.UTF8.GetString(buffer, 0, (int)length));
        }

        return names;
    }

    /// <summary>
    /// Creates a one-dimensional, chunked, unlimited dataset of <paramref name="length"/> elements whose unwritten
    /// elements read as <paramref name="fill"/>.
    /// </summary>
    /// <remarks>
    /// With <paramref name="uncached"/> the dataset gets no chunk cache: writes to an allocated chunk go straight to
    /// the file (only the rows written, not the whole chunk at every flush), which suits long chunks.
    /// </remarks>
    public static Hdf5Handle CreateDataset<T>(Hdf5Handle file, string name, ulong length, int chunkSize, T fill, bool uncached = false)
        where T : unmanaged
    {
        var type = TypeOf<T>();
        var dims = length;
        var max = H5.Unlimited;
        var chunk = (ulong)chunkSize;
        using var space = Hdf5Handle.Wrap(H5.H5Screate_simple(1, &dims, &max), Hdf5Kind.Space, "H5Screate_simple");
        using var create = Hdf5Handle.Wrap(H5.H5Pcreate(G.DatasetCreate), Hdf5Kind.PropertyList, "H5Pcreate(dataset create)");
        H5.Check(H5.H5Pset_chunk(create.Id, 1, &chunk), "H5Pset_chunk");
        H5.Check(H5.H5Pset_fill_value(create.Id, type, &fill), "H5Pset_fill_value");
        using var link = Utf8LinkList();
        using var access = DatasetAccess(uncached);
        return Hdf5Handle.Wrap(
            H5.H5Dcreate2(file.Id, name, type, space.Id, link.Id, create.Id, access.Id),
            Hdf5Kind.Dataset,
            $"H5Dcreate2('{name}')");
    }

    /// <summary>Opens a dataset of the root group.</summary>
    public static Hdf5Handle OpenDataset(Hdf5Handle file, string name, bool uncached = false)
    {
        using var access = DatasetAccess(uncached);
        return Hdf5Handle.Wrap(H5.H5Dopen2(file.Id, name, access.Id), Hdf5Kind.Dataset, $"H5Dopen2('{name}')");
    }

    private static Hdf5Handle DatasetAccess(bool uncached)
    {
        var list = Hdf5Handle.Wrap(H5.H5Pcreate(G.DatasetAccess), Hdf5Kind.PropertyList, "H5Pcreate(dataset access)");
        try
        {
            if (uncached)
            {
                // 0 bytes: no chunk is kept (1 slot avoids an empty hash table); -1 = H5D_CHUNK_CACHE_W0_DEFAULT.
                H5.Check(H5.H5Pset_chunk_cache(list.Id, 1, 0, -1.0), "H5Pset_chunk_cache");
            }

            return list;
        }
        catch
        {
            list.Dispose();
            throw;
        }
    }

    /// <summary>The length of a one-dimensional dataset.</summary>
    /// <exception cref="Hdf5Exception">The dataset is not one-dimensional.</exception>
    public static ulong Length(Hdf5Handle dataset)
    {
        using var space = Hdf5Handle.Wrap(H5.H5Dget_space(dataset.Id), Hdf5Kind.Space, "H5Dget_space");
        if (H5.Check(H5.H5Sget_simple_extent_ndims(space.Id), "H5Sget_simple_extent_ndims") != 1)
        {
            throw new Hdf5Exception("Dataset is not one-dimensional.");
        }

        ulong dims;
        H5.Check(H5.H5Sget_simple_extent_dims(space.Id, &dims, null), "H5Sget_simple_extent_dims");
        return dims;
    }

    /// <summary>Grows or shrinks a dataset to <paramref name="length"/> elements.</summary>
    public static void SetLength(Hdf5Handle dataset, ulong length) =>
        H5.Check(H5.H5Dset_extent(dataset.Id, &length), "H5Dset_extent");

    /// <summary>Writes <paramref name="values"/> at <paramref name="offset"/>; the dataset must be long enough.</summary>
    public static void Write<T>(Hdf5Handle dataset, ulong offset, ReadOnlySpan<T> values)
        where T : unmanaged
    {
        if (values.IsEmpty)
        {
            return;
        }

        var count = (ulong)values.Length;
        using var memory = Hdf5Handle.Wrap(H5.H5Screate_simple(1, &count, null), Hdf5Kind.Space, "H5Screate_simple");
        using var file = Hdf5Handle.Wrap(H5.H5Dget_space(dataset.Id), Hdf5Kind.Space, "H5Dget_space");
        H5.Check(H5.H5Sselect_hyperslab(file.Id, H5.SelectSet, &offset, null, &count, null), "H5Sselect_hyperslab");
        fixed (T* p = values)
        {
            H5.Check(H5.H5Dwrite(dataset.Id, TypeOf<T>(), memory.Id, file.Id, H5.Default, p), "H5Dwrite");
        }
    }

    /// <summary>Reads <paramref name="count"/> elements from the start of a dataset.</summary>
    public static T[] Read<T>(Hdf5Handle dataset, ulong count)
        where T : unmanaged
    {
        var result = new T[count];
        Read<T>(dataset, 0, result);
        return result;
    }

    /// <summary>Reads <c>destination.Length</c> elements starting at <paramref name="offset"/>.</summary>
    public static void Read<T>(Hdf5Handle dataset, ulong offset, Span<T> destination)
        where T : unmanaged
    {
        if (destination.IsEmpty)
        {
            return;
        }

        var count = (ulong)destination.Length;
        using var memory = Hdf5Handle.Wrap(H5.H5Screate_simple(1, &count, null), Hdf5Kind.Space, "H5Screate_simple");
        using var file = Hdf5Handle.Wrap(H5.H5Dget_space(dataset.Id), Hdf5Kind.Space, "H5Dget_space");
        H5.Check(H5.H5Sselect_hyperslab(file.Id, H5.SelectSet, &offset, null, &count, null), "H5Sselect_hyperslab");
        fixed (T* p = destination)
        {
            H5.Check(H5.H5Dread(dataset.Id, TypeOf<T>(), memory.Id, file.Id, H5.Default, p), "H5Dread");
        }
    }

    /// <summary>Attaches a scalar, variable-length UTF-8 string attribute (h5py reads it as <c>str</c>).</summary>
    public static void WriteStringAttribute(Hdf5Handle owner, string name, string value)
    {
        using var type = Utf8StringType();
        using var space = Hdf5Handle.Wrap(H5.H5Screate(H5.ScalarSpace), Hdf5Kind.Space, "H5Screate");
        using var attribute = Hdf5Handle.Wrap(H5.H5Acreate2(owner.Id, name, type.Id, space.Id, H5.Default, H5.Default), Hdf5Kind.Attribute, $"H5Acreate2('{name}')");
        var bytes = Utf8Z(value);
        fixed (byte* p = bytes)
        {
            // A variable-length string is passed as a pointer to the char pointer.
            var pointer = p;
            H5.Check(H5.H5Awrite(attribute.Id, type.Id, &pointer), $"H5Awrite('{name}')");
        }
    }

    /// <summary>Reads a scalar variable-length string attribute, or null when there is none.</summary>
    public static string? ReadStringAttribute(Hdf5Handle owner, string name)
    {
        if (H5.Check(H5.H5Aexists(owner.Id, name), $"H5Aexists('{name}')") == 0)
        {
            return null;
        }

        using var type = Utf8StringType();
        using var attribute = Hdf5Handle.Wrap(H5.H5Aopen(owner.Id, name, H5.Default), Hdf5Kind.Attribute, $"H5Aopen('{name}')");
        byte* pointer = null;
        H5.Check(H5.H5Aread(attribute.Id, type.Id, &pointer), $"H5Aread('{name}')");
        try
        {
            return pointer == null ? string.Empty : Marshal.PtrToStringUTF8((IntPtr)pointer);
        }
        finally
        {
            // The library allocated the string; it must free it (its allocator may differ from ours).
            H5.H5free_memory((IntPtr)pointer);
        }
    }

    /// <summary>Attaches a scalar 64-bit integer attribute.</summary>
    public static void WriteInt64Attribute(Hdf5Handle owner, string name, long value)
    {
        using var space = Hdf5Handle.Wrap(H5.H5Screate(H5.ScalarSpace), Hdf5Kind.Space, "H5Screate");
        using var attribute = Hdf5Handle.Wrap(H5.H5Acreate2(owner.Id, name, G.NativeInt64, space.Id, H5.Default, H5.Default), Hdf5Kind.Attribute, $"H5Acreate2('{name}')");
        H5.Check(H5.H5Awrite(attribute.Id, G.NativeInt64, &value), $"H5Awrite('{name}')");
    }

    /// <summary>Reads a scalar integer attribute, or null when there is none.</summary>
    public static long? ReadInt64Attribute(Hdf5Handle owner, string name)
    {
        if (H5.Check(H5.H5Aexists(owner.Id, name), $"H5Aexists('{name}')") == 0)
        {
            return null;
        }

        using var attribute = Hdf5Handle.Wrap(H5.H5Aopen(owner.Id, name, H5.Default), Hdf5Kind.Attribute, $"H5Aopen('{name}')");
        long value;
        H5.Check(H5.H5Aread(attribute.Id, G.NativeInt64, &value), $"H5Aread('{name}')");
        return value;
    }

    private static long TypeOf<T>()
        where T : unmanaged =>
        typeof(T) == typeof(double) ? G.NativeDouble
        : typeof(T) == typeof(long) ? G.NativeInt64
        : throw new NotSupportedException($"No HDF5 type for {typeof(T)}.");

    private static Hdf5Handle Utf8StringType()
    {
        var type = Hdf5Handle.Wrap(H5.H5Tcopy(G.CString), Hdf5Kind.Type, "H5Tcopy");
        try
        {
            H5.Check(H5.H5Tset_size(type.Id, H5.VariableSize), "H5Tset_size");
            H5.Check(H5.H5Tset_cset(type.Id, H5.CharsetUtf8), "H5Tset_cset");
            return type;
        }
        catch
        {
            type.Dispose();
            throw;
        }
    }

    private static Hdf5Handle Utf8LinkList()
    {
        // Marks link names as UTF-8 so tools decode non-ASCII key names correctly.
        var list = Hdf5Handle.Wrap(H5.H5Pcreate(G.LinkCreate), Hdf5Kind.PropertyList, "H5Pcreate(link create)");
        try
        {
            H5.Check(H5.H5Pset_char_encoding(list.Id, H5.CharsetUtf8), "H5Pset_char_encoding");
            return list;
        }
        catch
        {
            list.Dispose();
            throw;
        }
    }

    private static byte[] Utf8Z(string value)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(value) + 1];
        Encoding.UTF8.GetBytes(value, bytes);
        return bytes;
    }
}
