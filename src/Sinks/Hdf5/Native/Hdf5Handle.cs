using System.Runtime.InteropServices;

namespace Jaqmc.Sinks.Hdf5.Native;

/// <summary>What kind of object an <see cref="Hdf5Handle"/> holds, which decides the close function.</summary>
internal enum Hdf5Kind
{
    File,
    Dataset,
    Space,
    PropertyList,
    Type,
    Attribute,
}

/// <summary>
/// Owns one HDF5 id (<c>hid_t</c>) and closes it with the function of its kind, so an exception between
/// creating and closing an id cannot leak it (leaked ids keep the file open inside the library).
/// </summary>
internal sealed class Hdf5Handle : SafeHandle
{
    private readonly Hdf5Kind _kind;

    private Hdf5Handle(long id, Hdf5Kind kind)
        : base(IntPtr.Zero, ownsHandle: true)
    {
        _kind = kind;
        SetHandle((IntPtr)id);
    }

    /// <inheritdoc />
    public override bool IsInvalid => handle <= 0;

    /// <summary>The raw id, for passing to <see cref="H5"/> calls while this handle is alive.</summary>
    public long Id
    {
        get
        {
            ObjectDisposedException.ThrowIf(IsClosed, this);
            return (long)handle;
        }
    }

    /// <summary>Wraps an id returned by <paramref name="what"/>, throwing when it signals failure.</summary>
    public static Hdf5Handle Wrap(long id, Hdf5Kind kind, string what) => new(H5.Check(id, what), kind);

    /// <inheritdoc />
    protected override bool ReleaseHandle()
    {
        var id = (long)handle;
        lock (Hdf5Library.Sync)
        {
            var status = _kind switch
            {
                Hdf5Kind.File => H5.H5Fclose(id),
                Hdf5Kind.Dataset => H5.H5Dclose(id),
                Hdf5Kind.Space => H5.H5Sclose(id),
                Hdf5Kind.PropertyList => H5.H5Pclose(id),
                Hdf5Kind.Type => H5.H5Tclose(id),
                Hdf5Kind.Attribute => H5.H5Aclose(id),
                _ => -1,
            };
            return status >= 0;
        }
    }
}
