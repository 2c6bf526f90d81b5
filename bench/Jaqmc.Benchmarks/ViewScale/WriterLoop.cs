using System.Diagnostics;
using Dapper;
using Jaqmc.Sinks.Postgres;
using Npgsql;

namespace Jaqmc.Benchmarks.ViewScale;

/// <summary>
/// The writer's data path against a large table: a new run stage, then batches of records, each one transaction
/// holding one binary COPY of its rows, key by key (as <c>PostgresStatsWriter</c> sends them) or step by step (as it
/// sent them before); and
/// resume's delete of a stage's tail.
/// </summary>
/// <remarks>
/// A loop of its own rather than the writer, so that today's layout (version 2: no triggers) and the new one run the
/// same client code: the writer itself would upgrade a version-2 schema when it opens.
/// </remarks>
internal sealed class WriterLoop(NpgsqlDataSource source, int keys)
{
    /// <summary>
    /// Writes <paramref name="batches"/> batches of <paramref name="batchRecords"/> records into a new run; returns
    /// records per second, the server backend's CPU time per record in microseconds (from /proc: it does not count
    /// the time spent waiting for a core, so it holds up on a loaded machine) and the run's name.
    /// <paramref name="keyByKey"/> copies each key's rows of a batch together.
    /// </summary>
    public async Task<(double PerSecond, double ServerMicroseconds, string Run)> RecordsPerSecondAsync(string schema, int batches, int batchRecords, bool keyByKey = false)
    {
        var s = PostgresSchema.Quote(schema);
        int stageId;
        int[] keyIds;
        var run = "writer-" + Guid.NewGuid().ToString("N")[..12];
        await using (var connection = await source.OpenConnectionAsync())
        {
            stageId = await connection.ExecuteScalarAsync<int>(
                $"""
                WITH run AS (INSERT INTO {s}.runs (name, host) VALUES (@name, 'bench') RETURNING id)
                INSERT INTO {s}.run_stages (run_id, stage, status, initial_step) SELECT id, 'train', 'running', 0 FROM run RETURNING id
                """,
                new { name = run });
            keyIds = (await connection.QueryAsync<int>($"SELECT id FROM {s}.stat_keys ORDER BY id LIMIT @keys", new { keys })).ToArray();
        }

        await using var copying = await source.OpenConnectionAsync();
        var backend = await copying.ExecuteScalarAsync<int>("SELECT pg_backend_pid()");
        var cpu = BackendCpuSeconds(backend);
        var clock = Stopwatch.StartNew();
        for (var b = 0; b < batches; b++)
        {
            await ScaleDataBuilder.CopyStageAsync(copying, s, stageId, keyIds, (long)b * batchRecords, batchRecords, seed: b, keyByKeyBatch: keyByKey ? batchRecords : 0);
        }

        var seconds = clock.Elapsed.TotalSeconds;
        var records = (double)batches * batchRecords;
        return (records / seconds, (BackendCpuSeconds(backend) - cpu) * 1e6 / records, run);
    }

    /// <summary>User + system CPU seconds of a local server process (fields 14 and 15 of /proc/PID/stat, at 100 ticks per second).</summary>
    private static double BackendCpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture)) / 100.0;
    }

    /// <summary>
    /// Deletes the last <paramref name="tailSteps"/> steps of a train stage (what resume from a checkpoint does) in a
    /// transaction that is rolled back, with the writer's statement for the schema's version (from version 4 on it
    /// names the stage's keys); returns the milliseconds of the DELETE statement, triggers included.
    /// </summary>
    public async Task<double> ResumeDeleteMsAsync(string schema, string run, int tailSteps)
    {
        var s = PostgresSchema.Quote(schema);
        await using var connection = await source.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var (version, stageId, last) = await connection.QuerySingleAsync<(int, int, long)>(
            $"""
            SELECT (SELECT max(version) FROM {s}.schema_version), st.id, st.last_step
            FROM {s}.run_stages st JOIN {s}.runs r ON r.id = st.run_id WHERE r.name = @run AND st.stage = 'train'
            """,
            new { run }, transaction);
        var stage = version >= 4
            ? $"stage_id = (SELECT CAST(@stageId AS integer)) AND key_id = ANY (ARRAY(SELECT l.key_id FROM {s}.stat_latest l WHERE l.stage_id = @stageId))"
            : "stage_id = @stageId";
        var clock = Stopwatch.StartNew();
        var deleted = await connection.ExecuteAsync(
            $"DELETE FROM {s}.stat_values WHERE {stage} AND step >= @from",
            new { stageId, from = last - tailSteps + 1 }, transaction);
        var ms = clock.Elapsed.TotalMilliseconds;
        await transaction.RollbackAsync();
        return deleted == (long)tailSteps * keys ? ms : throw new InvalidOperationException($"deleted {deleted} rows of {run}'s tail, not {tailSteps} x {keys}");
    }
}
