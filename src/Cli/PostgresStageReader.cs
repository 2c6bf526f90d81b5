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

    /// <summary>Steps per query of <see cref="ForEachStepAsync"/>: a window of them, every key, is held at once.</summary>
    private const int WindowSteps = 4096;

    /// <summary>
    /// Hands every step of the stage to <paramref name="step"/> in step order (values in the order of
    /// <paramref name="keys"/>, NaN where a key has none), so memory stays flat however long the stage.
    /// </summary>
    /// <remarks>
    /// The primary key is (stage, key, step), so the stage is read a window of steps at a time, each window one
    /// index range per key (the keys named, as the index needs), and turned into steps here; each window starts at
    /// the first step with a value at or after the last window's end (one index probe per key), so gaps in the
    /// steps cost nothing. The stage id and each window's bounds are found first and sent as values: with the
    /// bounds known only inside one statement, the planner could not tell a window's few rows from the whole table,
    /// and at 100 M values it chose to scan every row for every window. The windows share one snapshot
    /// (<see cref="PostgresRunStore.OpenSnapshotAsync"/>).
    /// </remarks>
    public async Task ForEachStepAsync(IReadOnlyList<(int Id, string Name)> keys, Func<long, double[], Task> step, CancellationToken cancellationToken)
    {
        var index = keys.Select((k, i) => (k.Id, i)).ToDictionary(p => p.Id, p => p.i);
        var ids = keys.Select(k => k.Id).ToArray();
        var window = new double[WindowSteps * keys.Count];
        var present = new bool[WindowSteps];
        await using var snapshot = await store.OpenSnapshotAsync(cancellationToken).ConfigureAwait(false);
        var stageId = await ScalarAsync(
            $"""
            SELECT st.id FROM {store.Schema}.run_stages st JOIN {store.Schema}.runs r ON r.id = st.run_id
            WHERE r.name = @run AND st.stage = @stage
            """,
            new() { ["run"] = run, ["stage"] = stage },
            snapshot,
            cancellationToken).ConfigureAwait(false);
        if (stageId is null)
        {
            return;
        }

        var startSql = $"""
            SELECT min(f.step)
            FROM unnest(@keys) AS k(id)
            CROSS JOIN LATERAL (
                SELECT v.step FROM {store.Schema}.stat_values v
                WHERE v.stage_id = @stageId AND v.key_id = k.id AND v.step >= @from
                ORDER BY v.step LIMIT 1) f
            """;
        var windowSql = $"""
            SELECT v.step, v.key_id, v.value FROM {store.Schema}.stat_values v
            WHERE v.stage_id = @stageId AND v.key_id = ANY (@keys) AND v.step >= @first AND v.step < @end
            """;
        var from = long.MinValue;
        while (await ScalarAsync(startSql, new() { ["stageId"] = (int)stageId.Value, ["keys"] = ids, ["from"] = from }, snapshot, cancellationToken).ConfigureAwait(false) is { } first)
        {
            Array.Fill(window, double.NaN);
            Array.Clear(present);
            await store.ExecuteAsync(
                windowSql,
                new() { ["stageId"] = (int)stageId.Value, ["keys"] = ids, ["first"] = first, ["end"] = first + WindowSteps },
                reader =>
                {
                    var offset = (int)(reader.GetInt64(0) - first);
                    if (index.TryGetValue(reader.GetInt32(1), out var k))
                    {
                        present[offset] = true;
                        window[(offset * keys.Count) + k] = reader.GetDouble(2);
                    }

                    return Task.CompletedTask;
                },
                cancellationToken,
                snapshot).ConfigureAwait(false);
            for (var offset = 0; offset < WindowSteps; offset++)
            {
                if (present[offset])
                {
                    await step(first + offset, window.AsSpan(offset * keys.Count, keys.Count).ToArray()).ConfigureAwait(false);
                }
            }

            from = first + WindowSteps;
        }
    }

    /// <summary>The first column of the first row as an integer, or null when there is no row or it is NULL.</summary>
    private async Task<long?> ScalarAsync(string sql, Dictionary<string, object> parameters, Npgsql.NpgsqlConnection snapshot, CancellationToken cancellationToken)
    {
        long? result = null;
        await store.ExecuteAsync(
            sql,
            parameters,
            reader =>
            {
                result = reader.IsDBNull(0) ? null : Convert.ToInt64(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture);
                return Task.CompletedTask;
            },
            cancellationToken,
            snapshot).ConfigureAwait(false);
        return result;
    }
}
