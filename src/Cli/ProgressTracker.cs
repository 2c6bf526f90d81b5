using System.Diagnostics;
using Jaqmc.Training;

namespace Jaqmc.Cli;

/// <summary>
/// Turns the trainer's progress reports into what the live display shows: rate, ETA, and the mean of the recent
/// energies with its standard error (a report carries one step's energy, whose spread alone says little).
/// Reports arrive on the training thread and are read by the display's thread, hence the lock.
/// </summary>
internal sealed class ProgressTracker
{
    /// <summary>Recent energies averaged for the "mean ± error" figure.</summary>
    private const int EnergyWindow = 50;

    /// <summary>The steps/s figure covers this much recent time, so it follows changes without flickering.</summary>
    private static readonly TimeSpan RateWindow = TimeSpan.FromSeconds(5);

    private readonly Lock _lock = new();
    private readonly Queue<(long Timestamp, long Step)> _rateSamples = new();
    private readonly Queue<double> _energies = new();
    private TrainingProgress? _latest;
    private int _reports;

    /// <summary>The number of reports received so far.</summary>
    public int Reports
    {
        get
        {
            lock (_lock)
            {
                return _reports;
            }
        }
    }

    /// <summary>Records a report (called on the training thread; quick).</summary>
    public void Add(TrainingProgress progress)
    {
        var now = Stopwatch.GetTimestamp();
        lock (_lock)
        {
            if (_latest is { } previous && previous.Stage != progress.Stage)
            {
                // A new stage: its rate and energies have nothing to do with the previous stage's.
                _rateSamples.Clear();
                _energies.Clear();
            }

            _latest = progress;
            _reports++;
            _rateSamples.Enqueue((now, progress.Step));
            while (_rateSamples.Count > 2 && Stopwatch.GetElapsedTime(_rateSamples.Peek().Timestamp, now) > RateWindow)
            {
                _rateSamples.Dequeue();
            }

            _energies.Enqueue(progress.Energy);
            while (_energies.Count > EnergyWindow)
            {
                _energies.Dequeue();
            }
        }
    }

    /// <summary>What to display now, or null before the first report.</summary>
    public ProgressSnapshot? Snapshot()
    {
        lock (_lock)
        {
            if (_latest is not { } latest)
            {
                return null;
            }

            double? rate = null;
            if (_rateSamples.Count >= 2)
            {
                var (t0, s0) = _rateSamples.Peek();
                var seconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;
                if (seconds > 0 && latest.Step > s0)
                {
                    rate = (latest.Step - s0) / seconds;
                }
            }

            TimeSpan? eta = rate is > 0 ? TimeSpan.FromSeconds(Math.Max(0, latest.TotalSteps - latest.Step - 1) / rate.Value) : null;
            var (mean, error) = MeanAndError(_energies);
            return new ProgressSnapshot(latest, rate, eta, mean, error, _energies.Count);
        }
    }

    private static (double Mean, double Error) MeanAndError(IReadOnlyCollection<double> values)
    {
        var finite = values.Where(double.IsFinite).ToArray();
        if (finite.Length == 0)
        {
            return (double.NaN, double.NaN);
        }

        var mean = finite.Average();
        if (finite.Length < 2)
        {
            return (mean, double.NaN);
        }

        var variance = finite.Sum(x => (x - mean) * (x - mean)) / (finite.Length - 1);
        return (mean, Math.Sqrt(variance / finite.Length));
    }
}
