using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Npgsql;

namespace Jaqmc.Cli.Dashboard;

/// <summary>
/// Runs in PostgreSQL, read through the viewing paths of schema version 3: the runs list from <c>runs</c>,
/// <c>run_stages</c> (extents) and <c>stat_latest</c>, curves from <c>curve()</c>. Every query is parameterised
/// and only reads; its cost follows the number of runs and buckets, not of values stored.
/// </summary>
internal sealed class PostgresRunSource(PostgresRunStore store) : IRunSource
{
    public const string Evaluation = "evaluation";

    // The evaluation estimate reads the stage's values: once per (run, value count), not per poll.
    private readonly ConcurrentDictionary<string, (long Values, EvaluationEnergy? Energy)> _evaluations = new(StringComparer.Ordinal);

    // Whether the schema has stage_starts (version 5); once true, it stays so.
    private volatile bool _hasStageStarts;

    public string Prefix => "pg";

    public string Name => "postgres";

    public async Task<IReadOnlyList<DashboardRun>> ListAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await RunsAsync(null, cancellationToken).ConfigureAwait(false);
        }
        catch (CliException e) when (e.InnerException is NpgsqlException and not PostgresException)
        {
            // No answer from the server at all (refused, timed out, TLS): say so plainly. Npgsql's message names
            // the host and port, never the password.
            throw new CliException("PostgreSQL unreachable: " + e.InnerException.Message, e);
        }
    }

    public async Task<RunDetail?> DetailAsync(string name, CancellationToken cancellationToken)
    {
        if ((await RunsAsync(name, cancellationToken).ConfigureAwait(false)) is not [var run])
        {
            return null;
        }

        var config = (await store.FindAsync(name, cancellationToken).ConfigureAwait(false))?.Config is { } json ? JsonNode.Parse(json) : null;
        var keys = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var stage in run.Stages)
        {
            keys[stage.Name] = (await new PostgresStageReader(store, name, stage.Name).KeysAsync(cancellationToken).ConfigureAwait(false)).Select(k => k.Name).ToList();
        }

        var walkers = config?["Training"]?["Walkers"]?.ToString() is { } w && int.TryParse(w, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : (int?)null;
        return new RunDetail(run, config, keys, walkers, []);
    }

    public async Task<CurveBuckets?> CurveAsync(string name, CurveQuery query, CancellationToken cancellationToken)
    {
        if (query is { Since: { } since, Width: { } tailWidth })
        {
            return await TailAsync(name, query, since, tailWidth, cancellationToken).ConfigureAwait(false);
        }

        var (step, lastStep, count, min, max, mean, last) = (new List<long>(), new List<long>(), new List<long>(), new List<double>(), new List<double>(), new List<double>(), new List<double>());
        await store.ExecuteAsync(
            $"SELECT step, last_step, count, min, max, mean, last FROM {store.Schema}.curve(@run, @stage, @key, @from::bigint, @to::bigint, @points)",
            new()
            {
                ["run"] = name, ["stage"] = query.Stage, ["key"] = query.Key,
                ["from"] = (object?)query.From ?? DBNull.Value, ["to"] = (object?)query.To ?? DBNull.Value, ["points"] = query.Points,
            },
            reader =>
            {
                step.Add(reader.GetInt64(0));
                lastStep.Add(reader.GetInt64(1));
                count.Add(reader.GetInt64(2));
                min.Add(reader.GetDouble(3));
                max.Add(reader.GetDouble(4));
                mean.Add(reader.GetDouble(5));
                last.Add(reader.GetDouble(6));
                return Task.CompletedTask;
            },
            cancellationToken).ConfigureAwait(false);
        if (step.Count == 0)
        {
            return null;
        }

        var width = Enumerable.Range(0, step.Count).Max(i => lastStep[i] - step[i] + 1);
        return new CurveBuckets(width, [.. step], [.. lastStep], [.. count], [.. min], [.. max], [.. mean], [.. last]);
    }

    // A live tail is the few values since the viewer's last bucket: read them (stat_values' primary key range) and
    // bucket them on the viewer's grid, which curve() cannot be asked to keep.
    private async Task<CurveBuckets> TailAsync(string name, CurveQuery query, long since, long width, CancellationToken cancellationToken)
    {
        var lo = CurveBuckets.AlignedTo(since, width);
        var (steps, values) = (new List<long>(), new List<double>());
        await store.ExecuteAsync(
            $"""
            SELECT v.step, v.value FROM {store.Schema}.stat_values v
            WHERE v.stage_id = (SELECT st.id FROM {store.Schema}.run_stages st JOIN {store.Schema}.runs r ON r.id = st.run_id WHERE r.name = @run AND st.stage = @stage)
              AND v.key_id = (SELECT k.id FROM {store.Schema}.stat_keys k WHERE k.name = @key)
              AND v.step BETWEEN @lo AND @hi
            ORDER BY v.step
            """,
            new() { ["run"] = name, ["stage"] = query.Stage, ["key"] = query.Key, ["lo"] = lo, ["hi"] = lo + (width * query.Points) - 1 },
            reader =>
            {
                steps.Add(reader.GetInt64(0));
                values.Add(reader.GetDouble(1));
                return Task.CompletedTask;
            },
            cancellationToken).ConfigureAwait(false);
        return CurveBuckets.Tail([.. steps], [.. values], since, width, query.Points);
    }

    private async Task<List<DashboardRun>> RunsAsync(string? name, CancellationToken cancellationToken)
    {
        // Every opening of a stage from schema version 5 on (stage_starts); before, only the latest. None past the
        // latest (run_stages.initial_step): a writer of an older build opens without touching stage_starts.
        var starts = await HasStageStartsAsync(cancellationToken).ConfigureAwait(false)
            ? $"(SELECT array_agg(ss.initial_step ORDER BY ss.initial_step) FROM {store.Schema}.stage_starts ss WHERE ss.stage_id = st.id AND ss.initial_step <= st.initial_step)"
            : "ARRAY[st.initial_step]";
        var sql = $"""
            SELECT r.name, r.host, r.status, r.updated_at, st.stage, st.status, {starts}, st.first_step, st.last_step, st.value_count, l.value
            FROM {store.Schema}.runs r
            LEFT JOIN {store.Schema}.run_stages st ON st.run_id = r.id
            LEFT JOIN {store.Schema}.stat_keys k ON k.name = 'total_energy'
            LEFT JOIN {store.Schema}.stat_latest l ON l.stage_id = st.id AND l.key_id = k.id
            {(name is null ? "" : "WHERE r.name = @name")}
            ORDER BY r.updated_at DESC, r.id, st.started_at
            """;
        var rows = new List<(string Name, string Host, string Status, DateTime Updated, List<DashboardStage> Stages, List<(double? Energy, long Values)> Latest)>();
        await store.ExecuteAsync(sql, name is null ? null : new() { ["name"] = name }, async reader =>
        {
            var runName = reader.GetString(0);
            if (rows.Count == 0 || rows[^1].Name != runName)
            {
                rows.Add((runName, reader.GetString(1), reader.GetString(2), reader.GetDateTime(3), [], []));
            }

            if (await reader.IsDBNullAsync(4, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            long? Nullable(int column) => reader.IsDBNull(column) ? null : reader.GetInt64(column);
            var first = Nullable(7);
            var opened = reader.IsDBNull(6) ? [] : reader.GetFieldValue<long[]>(6);
            rows[^1].Stages.Add(new DashboardStage(
                reader.GetString(4), reader.GetString(5), first, Nullable(8), first is { } f ? [.. opened.Where(s => s > f)] : [], []));
            rows[^1].Latest.Add((reader.IsDBNull(10) ? null : reader.GetDouble(10), reader.GetInt64(9)));
        }, cancellationToken).ConfigureAwait(false);

        var runs = new List<DashboardRun>(rows.Count);
        foreach (var row in rows)
        {
            var energy = row.Latest.LastOrDefault(l => l.Energy is not null).Energy;
            var evaluation = row.Stages.FindIndex(s => s.Name == Evaluation) is var i and >= 0
                ? await EvaluationAsync(row.Name, row.Latest[i].Values, cancellationToken).ConfigureAwait(false)
                : null;
            runs.Add(new DashboardRun("pg:" + row.Name, row.Name, "postgres", row.Host, row.Status, new DateTimeOffset(row.Updated, TimeSpan.Zero), row.Stages, energy, evaluation));
        }

        return runs;
    }

    // Looked up until found: a writer of this version may migrate the schema while the dashboard runs, and a
    // read-only role granted SELECT on the tables of version 4 cannot read the new one until granted again.
    private async Task<bool> HasStageStartsAsync(CancellationToken cancellationToken)
    {
        if (!_hasStageStarts)
        {
            await store.ExecuteAsync(
                "SELECT coalesce(has_table_privilege(to_regclass(@table), 'SELECT'), false)",
                new() { ["table"] = store.Schema + ".stage_starts" },
                reader =>
                {
                    _hasStageStarts = reader.GetBoolean(0);
                    return Task.CompletedTask;
                },
                cancellationToken).ConfigureAwait(false);
        }

        return _hasStageStarts;
    }

    private async Task<EvaluationEnergy?> EvaluationAsync(string run, long values, CancellationToken cancellationToken)
    {
        if (_evaluations.TryGetValue(run, out var cached) && cached.Values == values)
        {
            return cached.Energy;
        }

        var energy = EvaluationEnergy.Of(await new PostgresStageReader(store, run, Evaluation).ValuesAsync("total_energy", cancellationToken).ConfigureAwait(false));
        _evaluations[run] = (values, energy);
        return energy;
    }
}
