namespace Jaqmc.Cli;

/// <summary>
/// Reads one stage of a run in PostgreSQL the way the viewing verbs need it: a key's curve as buckets, one key's
/// values, or every value step by step as it streams in.
/// </summary>
internal sealed class PostgresStageReader(PostgresRunStore store, string run, string stage)
{
    /// <summary>
    /// The curve of <paramref name="key"/> from <paramref name="fromStep"/> on, in about <paramref name="points"/>
    /// buckets computed by the server (<c>curve()</c>); null when the stage has no such key.
    /// </summary>
    public async Task<StageCurve?> CurveAsync(string key, long fromStep, int points, CancellationToken cancellationToken)
    {
        var (steps, mean, min, max) = (new List<long>(), new List<double>(), new List<double>(), new List<double>());
        long widest = 1;
        await store.ExecuteAsync(
            $"SELECT step, last_step, min, max, mean FROM {store.Schema}.curve(@run, @stage, @key, @from, NULL, @points)",
            new() { ["run"] = run, ["stage"] = stage, ["key"] = key, ["from"] = fromStep, ["points"] = points },
            reader =>
            {
                steps.Add(reader.GetInt64(0));
                widest = Math.Max(widest, reader.GetInt64(1) - reader.GetInt64(0) + 1);
                min.Add(reader.GetDouble(2));
                max.Add(reader.GetDouble(3));
                mean.Add(reader.GetDouble(4));
                return Task.CompletedTask;
            },
            cancellationToken).ConfigureAwait(false);
        return steps.Count == 0 ? null : new StageCurve(key, [.. steps], [.. mean], [.. min], [.. max], widest);
    }

    /// <summary>Every value of <paramref name="key"/> in step order (one index range per stage and key).</summary>
    public async Task<double[]> ValuesAsync(string key, CancellationToken cancellationToken)
    {
        var values = new List<double>();
        await store.ExecuteAsync(
            $"""
            SELECT v.value FROM {store.Schema}.stat_values v
            WHERE v.stage_id = (SELECT st.id FROM {store.Schema}.run_stages st JOIN {store.Schema}.runs r ON r.id = st.run_id
                                WHERE r.name = @run AND st.stage = @stage)
              AND v.key_id = (SELECT k.id FROM {store.Schema}.stat_keys k WHERE k.name = @key)
            ORDER BY v.step
            """,
            new() { ["run"] = run, ["stage"] = stage, ["key"] = key },
            reader =>
            {
                values.Add(reader.GetDouble(0));
                return Task.CompletedTask;
            },
            cancellationToken).ConfigureAwait(false);
        return [.. values];
    }

    /// <summary>The stage's keys (id and name) in ordinal order of name: those with a latest value, every key it holds.</summary>
    public async Task<IReadOnlyList<(int Id, string Name)>> KeysAsync(CancellationToken cancellationToken)
    {
        var keys = new List<(int, string)>();
        await store.ExecuteAsync(
            $"""
            SELECT k.id, k.name FROM {store.Schema}.stat_latest l
            JOIN {store.Schema}.stat_keys k ON k.id = l.key_id
            JOIN {store.Schema}.run_stages st ON st.id = l.stage_id
            JOIN {store.Schema}.runs r ON r.id = st.run_id
            WHERE r.name = @run AND st.stage = @stage
            ORDER BY k.name COLLATE "C"
            """,
            new() { ["run"] = run, ["stage"] = stage },
            reader =>
            {
                keys.Add((reader.GetInt32(0), reader.GetString(1)));
                return Task.CompletedTask;
            },
            cancellationToken).ConfigureAwait(false);
        return keys;
    }

    /// <summary>
    /// Hands every step of the stage to <paramref name="step"/> as it arrives (values in the order of
    /// <paramref name="keys"/>, NaN where a key has none), so memory stays flat however long the stage. The rows
    /// come in primary-key order, so the server reads the index range and sorts nothing.
    /// </summary>
    public async Task ForEachStepAsync(IReadOnlyList<(int Id, string Name)> keys, Func<long, double[], Task> step, CancellationToken cancellationToken)
    {
        var index = keys.Select((k, i) => (k.Id, i)).ToDictionary(p => p.Id, p => p.i);
        long current = 0;
        double[]? values = null;
        await store.ExecuteAsync(
            $"""
            SELECT v.step, v.key_id, v.value
            FROM {store.Schema}.stat_values v
            WHERE v.stage_id = (SELECT st.id FROM {store.Schema}.run_stages st JOIN {store.Schema}.runs r ON r.id = st.run_id
                                WHERE r.name = @run AND st.stage = @stage)
            ORDER BY v.step, v.key_id
            """,
            new() { ["run"] = run, ["stage"] = stage },
            async reader =>
            {
                var s = reader.GetInt64(0);
                if (values is null || s != current)
                {
                    if (values is not null)
                    {
                        await step(current, values).ConfigureAwait(false);
                    }

                    (current, values) = (s, new double[keys.Count]);
                    Array.Fill(values, double.NaN);
                }

                if (index.TryGetValue(reader.GetInt32(1), out var k))
                {
                    values[k] = reader.GetDouble(2);
                }
            },
            cancellationToken).ConfigureAwait(false);
        if (values is not null)
        {
            await step(current, values).ConfigureAwait(false);
        }
    }
}
