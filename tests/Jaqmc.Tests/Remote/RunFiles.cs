using Jaqmc.Sinks.Hdf5;
using Jaqmc.Tests.Sinks.Csv;

namespace Jaqmc.Tests.Remote;

/// <summary>Compares every stats file a run left with an uninterrupted run's.</summary>
internal static class RunFiles
{
    /// <summary>
    /// Every <c>*_stats.csv</c> and <c>*_stats.h5</c> of <paramref name="expectedDirectory"/> exists in
    /// <paramref name="actualDirectory"/> with one row per step 0..n-1 (n from <paramref name="steps"/>): CSV byte
    /// for byte, HDF5 bit for bit.
    /// </summary>
    public static void AssertSame(string expectedDirectory, string actualDirectory, IReadOnlyDictionary<string, int> steps)
    {
        foreach (var (stage, count) in steps)
        {
            var everyStep = Enumerable.Range(0, count).Select(s => (long)s).ToArray();
            var csv = Path.Combine(actualDirectory, $"{stage}_stats.csv");
            var expectedCsv = Path.Combine(expectedDirectory, $"{stage}_stats.csv");
            Assert.True(File.Exists(csv), $"{csv} is missing");
            Assert.Equal(everyStep, CsvTestFiles.Read(csv).Select(r => r.Step));
            Assert.True(File.ReadAllBytes(expectedCsv).AsSpan().SequenceEqual(File.ReadAllBytes(csv)), $"{csv} differs from the uninterrupted run's {expectedCsv}");

            var expectedH5 = Path.Combine(expectedDirectory, $"{stage}_stats.h5");
            Assert.True(File.Exists(expectedH5), $"{expectedH5} is missing: the server writes HDF5 only with libhdf5 (apt-get install libhdf5-103-1; scripts/test.sh installs it)");
            {
                var expected = Hdf5StatsReader.Read(expectedH5);
                var actual = Hdf5StatsReader.Read(Path.Combine(actualDirectory, $"{stage}_stats.h5"));
                Assert.Equal(everyStep, actual.Steps);
                foreach (var (key, column) in expected.Columns)
                {
                    Assert.True(
                        column.Select(BitConverter.DoubleToInt64Bits).SequenceEqual(actual.Columns[key].Select(BitConverter.DoubleToInt64Bits)),
                        $"{stage}_stats.h5 column '{key}' differs from the uninterrupted run's");
                }
            }
        }
    }
}
