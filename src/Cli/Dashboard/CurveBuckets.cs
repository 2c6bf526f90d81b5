namespace Jaqmc.Cli.Dashboard;

/// <summary>
/// One key of one run stage as buckets of consecutive steps: each bucket's first and last step, count, min, max,
/// mean and last value, so spikes and the envelope survive any zoom. PostgreSQL's <c>curve()</c> computes them in the
/// database; <see cref="Of"/> computes the same on a file's column.
/// </summary>
/// <param name="StepsPerBucket">The bucket width in steps (1 when every value is its own bucket).</param>
/// <param name="Step">Each bucket's first step, ascending.</param>
/// <param name="LastStep">Each bucket's last step.</param>
/// <param name="Count">Each bucket's number of values.</param>
/// <param name="Min">Each bucket's smallest value.</param>
/// <param name="Max">Each bucket's largest value.</param>
/// <param name="Mean">Each bucket's mean.</param>
/// <param name="Last">Each bucket's value at its last step.</param>
internal sealed record CurveBuckets(long StepsPerBucket, long[] Step, long[] LastStep, long[] Count, double[] Min, double[] Max, double[] Mean, double[] Last)
{
    /// <summary>The number of buckets.</summary>
    public int Length => Step.Length;

    /// <summary>
    /// The buckets of the values of <paramref name="steps"/> (ascending) in [<paramref name="from"/>, <paramref name="to"/>]
    /// (default: all), on the grid of PostgreSQL's <c>curve()</c>: width ⌈(hi − lo + 1) / points⌉, bucket
    /// ⌊step / width⌋. Only the rows in the range are read (binary search for its start). NaN values are left out
    /// of a bucket's figures (a bucket of only NaN is left out), so a diverged step does not blank its neighbours.
    /// </summary>
    public static CurveBuckets Of(ReadOnlySpan<long> steps, ReadOnlySpan<double> values, long? from, long? to, int points)
    {
        if (steps.Length == 0)
        {
            return Empty;
        }

        var lo = Math.Max(from ?? steps[0], steps[0]);
        var hi = Math.Min(to ?? steps[^1], steps[^1]);
        if (hi < lo)
        {
            return Empty;
        }

        return Bucket(steps, values, lo, hi, (hi - lo + points) / points);
    }

    /// <summary>
    /// The live tail of a curve a viewer holds: the buckets of width <paramref name="width"/> from the one holding
    /// step <paramref name="since"/> on (at most <paramref name="maxBuckets"/>), on the same grid as the whole curve
    /// it was drawn from, so they replace its buckets from there and leave the rest as they were.
    /// </summary>
    public static CurveBuckets Tail(ReadOnlySpan<long> steps, ReadOnlySpan<double> values, long since, long width, int maxBuckets)
    {
        var lo = AlignedTo(since, width);
        var hi = lo > long.MaxValue - (width * maxBuckets) ? long.MaxValue : lo + (width * maxBuckets) - 1;
        return steps.Length == 0 ? Empty with { StepsPerBucket = width } : Bucket(steps, values, lo, hi, width);
    }

    /// <summary>The first step of the bucket of width <paramref name="width"/> holding <paramref name="step"/>.</summary>
    public static long AlignedTo(long step, long width) => step - (((step % width) + width) % width);

    private static CurveBuckets Bucket(ReadOnlySpan<long> steps, ReadOnlySpan<double> values, long lo, long hi, long width)
    {
        var start = steps.BinarySearch(lo);
        start = start < 0 ? ~start : start;
        var buckets = new Builder(width);
        for (var i = start; i < steps.Length && steps[i] <= hi; i++)
        {
            buckets.Add(steps[i], values[i]);
        }

        return buckets.Build();
    }

    private static CurveBuckets Empty { get; } = new(1, [], [], [], [], [], [], []);

    /// <summary>Accumulates ascending (step, value) pairs into buckets of a fixed width.</summary>
    private sealed class Builder(long width)
    {
        private readonly List<long> _step = [];
        private readonly List<long> _lastStep = [];
        private readonly List<long> _count = [];
        private readonly List<double> _min = [];
        private readonly List<double> _max = [];
        private readonly List<double> _mean = [];
        private readonly List<double> _last = [];
        private long _bucket = long.MinValue;
        private long _first;
        private long _lastOfBucket;
        private long _n;
        private double _lo;
        private double _hi;
        private double _sum;
        private double _lastValue;

        public void Add(long step, double value)
        {
            if (double.IsNaN(value))
            {
                return;
            }

            var bucket = AlignedTo(step, width);
            if (bucket != _bucket)
            {
                Flush();
                (_bucket, _first, _n, _lo, _hi, _sum) = (bucket, step, 0, double.PositiveInfinity, double.NegativeInfinity, 0);
            }

            _n++;
            _lo = Math.Min(_lo, value);
            _hi = Math.Max(_hi, value);
            _sum += value;
            (_lastOfBucket, _lastValue) = (step, value);
        }

        public CurveBuckets Build()
        {
            Flush();
            return new CurveBuckets(width, [.. _step], [.. _lastStep], [.. _count], [.. _min], [.. _max], [.. _mean], [.. _last]);
        }

        private void Flush()
        {
            if (_n == 0)
            {
                return;
            }

            _step.Add(_first);
            _lastStep.Add(_lastOfBucket);
            _count.Add(_n);
            _min.Add(_lo);
            _max.Add(_hi);
            _mean.Add(_sum / _n);
            _last.Add(_lastValue);
            _n = 0;
        }
    }
}
