using Jaqmc.Training.Sampling;

namespace Jaqmc.Tests.Training;

/// <summary>The generator's normal deviates have the right distribution, and its state round-trips.</summary>
public sealed class RandomStreamTests
{
    [Fact]
    public void Normal_deviates_match_the_standard_normal_distribution()
    {
        const int n = 1_000_000;
        var random = Xoshiro256StarStar.Create(2024, 3);
        double sum = 0, squares = 0, fourth = 0;
        var beyond = new int[4];
        double[] thresholds = [1.0, 2.0, 3.0, 3.442619855899 + 0.2]; // the last one is in the ziggurat's tail
        double[] expected = [0.31731050786291, 0.04550026389636, 0.00269979606326, 0.00026987724846];
        for (var i = 0; i < n; i++)
        {
            var x = random.NextGaussian();
            sum += x;
            squares += x * x;
            fourth += x * x * x * x;
            for (var t = 0; t < thresholds.Length; t++)
            {
                if (Math.Abs(x) > thresholds[t])
                {
                    beyond[t]++;
                }
            }
        }

        // Five standard errors of each estimator: var(x) = 1, var(x²) = 2, var(x⁴) = 96, binomial p(1 − p).
        Assert.InRange(sum / n, -5 / Math.Sqrt(n), 5 / Math.Sqrt(n));
        Assert.InRange(squares / n, 1 - (5 * Math.Sqrt(2.0 / n)), 1 + (5 * Math.Sqrt(2.0 / n)));
        Assert.InRange(fourth / n, 3 - (5 * Math.Sqrt(96.0 / n)), 3 + (5 * Math.Sqrt(96.0 / n)));
        for (var t = 0; t < thresholds.Length; t++)
        {
            var se = Math.Sqrt(expected[t] * (1 - expected[t]) / n);
            Assert.InRange(beyond[t] / (double)n, expected[t] - (5 * se), expected[t] + (5 * se));
        }
    }

    [Fact]
    public void The_bulk_fill_gives_exactly_the_single_draws()
    {
        var single = Xoshiro256StarStar.Create(9, 4);
        var bulk = Xoshiro256StarStar.Create(9, 4);
        var filled = new double[200_003]; // long enough to cross many tail and wedge draws
        bulk.FillGaussian(filled);
        for (var i = 0; i < filled.Length; i++)
        {
            Assert.Equal(BitConverter.DoubleToInt64Bits(single.NextGaussian()), BitConverter.DoubleToInt64Bits(filled[i]));
        }

        Assert.Equal(single.NextUInt64(), bulk.NextUInt64());
    }

    [Fact]
    public void State_round_trips_and_streams_differ()
    {
        var a = Xoshiro256StarStar.Create(1, 0);
        a.NextUInt64();
        Span<ulong> state = stackalloc ulong[Xoshiro256StarStar.StateLength];
        a.CopyStateTo(state);
        var b = Xoshiro256StarStar.FromState(state);
        Assert.Equal(a.NextUInt64(), b.NextUInt64());
        Assert.NotEqual(Xoshiro256StarStar.Create(1, 0).NextUInt64(), Xoshiro256StarStar.Create(1, 1).NextUInt64());
        Assert.NotEqual(Xoshiro256StarStar.Create(1, 0).NextUInt64(), Xoshiro256StarStar.Create(2, 0).NextUInt64());
    }
}
