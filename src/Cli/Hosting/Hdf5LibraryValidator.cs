using Jaqmc.Sinks.Hdf5;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Jaqmc.Cli.Hosting;

/// <summary>
/// An HDF5 writer turned on explicitly (<c>Writers:Hdf5:Enabled=true</c>) needs the HDF5 C library: without it the
/// run stops before it starts, with one line saying how to install the library.
/// </summary>
internal sealed class Hdf5LibraryValidator : IValidateOptions<Hdf5WriterOptions>
{
    public ValidateOptionsResult Validate(string? name, Hdf5WriterOptions options)
    {
        if (name != Hdf5StatsWriterServiceCollectionExtensions.DefaultName || !options.Enabled)
        {
            return ValidateOptionsResult.Skip;
        }

        return Hdf5LibraryAvailability.Problem() is { } problem
            ? ValidateOptionsResult.Fail(
                $"{Hdf5WriterSwitch.EnabledKey} must be false or {Hdf5WriterSwitch.Auto} when the HDF5 C library cannot be loaded (got true): {problem}")
            : ValidateOptionsResult.Success;
    }
}
