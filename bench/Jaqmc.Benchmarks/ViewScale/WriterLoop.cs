using System.Diagnostics;
using Dapper;
using Jaqmc.Sinks.Postgres;
using Npgsql;

namespace Jaqmc.Benchmarks.ViewScale;

/// <summary>
/// The writer's data path against a large table: a new run stage, then batches of records, each one transaction
/// holding one binary COPY of its rows in primary-key order (as <c>PostgresStatsWriter</c> sends them); and
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
    /// records per second and the run's name.
    /// </summary>
    public async Task<(double PerSecond, string Run)> RecordsPerSecondAsync(string schema, int batches, int batchRecords)
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

        var clock = Stopwatch.StartNew();
        for (var b = 0; b < batches; b++)
        {
            await using var connection = await source.OpenConnectionAsync();
            await ScaleDataBuilder.CopyStageAsync(connection, s, stageId, keyIds, (long)b * batchRecords, batchRecords, seed: b);
        }

        return (batches * batchRecords / clock.Elapsed.TotalSeconds, run);
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
