namespace Jaqmc.Sinks;

/// <summary>
/// One step's statistics: the stage, the step and a value for each key of <see cref="Keys"/>.
/// </summary>
/// <remarks>
/// A value type so a record moves through the pipeline's channels without an allocation of its own; the
/// only per-record allocation is the <see cref="Values"/> array, which the producer must not change after
/// handing the record over. NaN and ±Infinity are legal values and are recorded as such.
/// </remarks>
public readonly struct StatsRecord
{
    /// <summary>Creates a record.</summary>
    /// <param name="stage">The stage the record belongs to, such as <c>train</c>.</param>
    /// <param name="step">The training step (absolute: it continues across a resume).</param>
    /// <param name="keys">The names of the values.</param>
    /// <param name="values">One value per key, in the order of <paramref name="keys"/>.</param>
    public StatsRecord(string stage, long step, StatsKeys keys, double[] values)
    {
        ArgumentNullException.ThrowIfNull(stage);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length != keys.Count)
        {
            throw new ArgumentException(
                $"Record for step {step} has {values.Length} values for {keys.Count} keys.", nameof(values));
        }

        Stage = stage;
        Step = step;
        Keys = keys;
        Values = values;
    }

    /// <summary>The stage name.</summary>
    public string Stage { get; }

    /// <summary>The step number.</summary>
    public long Step { get; }

    /// <summary>The value names.</summary>
    public StatsKeys Keys { get; }

    /// <summary>The values, one per key.</summary>
    public double[] Values { get; }

    /// <summary>Gets the value of <paramref name="key"/>.</summary>
    public bool TryGetValue(string key, out double value)
    {
        var i = Keys?.IndexOf(key) ?? -1;
        if (i < 0)
        {
            value = double.NaN;
            return false;
        }

        value = Values[i];
        return true;
    }

    /// <summary>Builds a record from a dictionary (convenient, not the fast path: it allocates a key set).</summary>
    public static StatsRecord FromDictionary(string stage, long step, IReadOnlyDictionary<string, double> stats)
    {
        ArgumentNullException.ThrowIfNull(stats);
        var keys = new StatsKeys(stats.Keys);
        var values = new double[keys.Count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = stats[keys[i]];
        }

        return new StatsRecord(stage, step, keys, values);
    }

    /// <summary>Returns the values as a dictionary (for tests and tools).</summary>
    public Dictionary<string, double> ToDictionary()
    {
        var result = new Dictionary<string, double>(Keys.Count, StringComparer.Ordinal);
        for (var i = 0; i < Keys.Count; i++)
        {
            result[Keys[i]] = Values[i];
        }

        return result;
    }
}
