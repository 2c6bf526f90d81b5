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
    /// transaction that is rolled back; returns the milliseconds of the DELETE statement, triggers included.
    /// </summary>
    public async Task<double> ResumeDeleteMsAsync(string schema, string run, int tailSteps)
    {
        var s = PostgresSchema.Quote(schema);
        await using var connection = await source.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var (stageId, last) = await connection.QuerySingleAsync<(int, long)>(
            $"""
            SELECT st.id, (SELECT max(v.step) FROM {s}.stat_values v WHERE v.stage_id = st.id)
            FROM {s}.run_stages st JOIN {s}.runs r ON r.id = st.run_id WHERE r.name = @run AND st.stage = 'train'
            """,
            new { run }, transaction);
        var clock = Stopwatch.StartNew();
        var deleted = await connection.ExecuteAsync(
            $"DELETE FROM {s}.stat_values WHERE stage_id = @stageId AND step >= @from",
            new { stageId, from = last - tailSteps + 1 }, transaction);
        var ms = clock.Elapsed.TotalMilliseconds;
        await transaction.RollbackAsync();
        return deleted > 0 ? ms : throw new InvalidOperationException($"nothing to delete in {run}");
    }
}
