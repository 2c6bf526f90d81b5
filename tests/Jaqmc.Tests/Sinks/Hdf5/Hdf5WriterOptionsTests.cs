using System.ComponentModel.DataAnnotations;
using Jaqmc.Sinks.Hdf5;

namespace Jaqmc.Tests.Sinks.Hdf5;

public sealed class Hdf5WriterOptionsTests
{
    [Fact]
    public void Defaults_AreDocumentedValues()
    {
        var options = new Hdf5WriterOptions();

        Assert.Equal("{stage}_stats.h5", options.PathTemplate);
        Assert.Equal(4096, options.ChunkSize);
        Assert.Equal(TimeSpan.FromSeconds(1), options.FlushInterval);
        Assert.True(options.Enabled);
        Assert.Empty(options.Validate(new ValidationContext(options)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void ChunkSize_MustBePositive(int chunkSize)
    {
        var options = new Hdf5WriterOptions { ChunkSize = chunkSize };

        var problem = Assert.Single(options.Validate(new ValidationContext(options)));
        Assert.Equal([nameof(Hdf5WriterOptions.ChunkSize)], problem.MemberNames);
    }
}
