using Jaqmc.Sinks;
using Jaqmc.Sinks.Hdf5;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jaqmc.Tests.Sinks.Hdf5;

/// <summary>The shared writer contract, read back through the C# reader.</summary>
public sealed class Hdf5StatsWriterTests : StatsWriterContractTests
{
    protected override IStatsWriter CreateWriter() =>
        new Hdf5StatsWriter(new Hdf5WriterOptions(), NullLogger<Hdf5StatsWriter>.Instance);

    protected override Task<IReadOnlyList<WrittenRow>> ReadBackAsync(string stage) =>
        Task.FromResult(Hdf5TestFiles.ReadRows(Path.Combine(WorkingDirectory, $"{stage}_stats.h5")));
}
