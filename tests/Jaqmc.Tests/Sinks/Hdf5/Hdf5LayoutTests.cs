using Jaqmc.Sinks.Hdf5;

namespace Jaqmc.Tests.Sinks.Hdf5;

public sealed class Hdf5LayoutTests
{
    [Theory]
    [InlineData("total_energy", "total_energy")]
    [InlineData("energy:kinetic_var", "energy:kinetic_var")]
    [InlineData("énergie_λ_能量", "énergie_λ_能量")]
    [InlineData("slash/inside", "~slash%2Finside")]
    [InlineData("step", "~step")]
    [InlineData(".", "~.")]
    [InlineData("..", "~..")]
    [InlineData("~tilde", "~~tilde")]
    [InlineData("~a/b%c", "~~a%2Fb%25c")]
    [InlineData("nul\0inside", "~nul%00inside")]
    [InlineData("100%", "100%")]
    public void DatasetName_EscapesOnlyUnsafeKeys_AndRoundTrips(string key, string name)
    {
        Assert.Equal(name, Hdf5Layout.DatasetName(key));
        Assert.Equal(key, Hdf5Layout.KeyFromDatasetName(name));
    }

    [Fact]
    public void DatasetName_EscapesLoneSurrogates()
    {
        // Built in code: xUnit's theory data cannot carry a lone surrogate intact.
        var key = "lone" + (char)0xD800 + "x";

        Assert.Equal("~lone%uD800x", Hdf5Layout.DatasetName(key));
        Assert.Equal(key, Hdf5Layout.KeyFromDatasetName("~lone%uD800x"));
    }
}
