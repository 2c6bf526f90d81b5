using System.Diagnostics;
using Dapper;
using Jaqmc.Sinks.Postgres;
using Npgsql;
using NpgsqlTypes;

namespace Jaqmc.Benchmarks.ViewScale;

/// <summary>
/// Builds the large database: runs, stages and keys as the writer makes them, and every value through binary COPY
/// into <c>stat_values</c> in the writer's row order, at schema version 2 (the layout before the viewing
/// summaries); then upgrades it in place, and copies it into a hash-partitioned twin.
/// </summary>
/// <remarks>
/// The writer copies each batch key by key; <paramref name="batchRecords"/> is the batch it is given to mirror (64
/// records: a quarter of a second of He training, how often the spool's uploader sends), or 0 for step by step, the
/// row order of data written before that change.
/// </remarks>
internal sealed class ScaleDataBuilder(NpgsqlDataSource source, ScaleShape shape, int batchRecords)
{
    /// <summary>The keys of a VMC train step, padded with more to reach the shape's key count.</summary>
    public IReadOnlyList<string> Keys { get; } =
    [
        .. new[] { "energy:kinetic", "energy:kinetic_var", "energy:potential", "energy:potential_var", "loss", "pmove", "total_energy", "total_energy_var" }
            .Concat(Enumerable.Range(1, Math.Max(0, shape.Keys - 8)).Select(i => $"extra_{i:D2}"))
            .Take(shape.Keys)
            .Order(StringComparer.Ordinal),
    ];

    /// <summary>Creates the schema at version 2 and fills it; returns the seconds COPY took and the value count.</summary>
    public async Task<(double Seconds, long Values)> BuildAsync(string schema, Action<string> progress)
    {
        var s = PostgresSchema.Quote(schema);
        await using (var connection = await source.OpenConnectionAsync())
        {
            await connection.ExecuteAsync($"DROP SCHEMA IF EXISTS {s} CASCADE");
            await PostgresSchema.EnsureAsync(connection, schema, CancellationToken.None, upToVersion: 2);
            await connection.ExecuteAsync(
                $"""
                INSERT INTO {s}.stat_keys (name) SELECT unnest(@keys) ORDER BY 1;
                INSERT INTO {s}.runs (name, host, status, config)
                SELECT run, 'bench', 'completed', CAST(@config AS jsonb) FROM unnest(@runs) run;
                INSERT INTO {s}.run_stages (run_id, stage, status, initial_step)
                SELECT r.id, stage, 'completed', 0 FROM {s}.runs r CROSS JOIN unnest(ARRAY['train', 'evaluation']) stage ORDER BY r.id, stage DESC;
                """,
                new { keys = Keys.ToArray(), runs = shape.RunNames().ToArray(), config = """{"Training": {"System": "He", "Walkers": "4096"}}""" });
        }

        var clock = Stopwatch.StartNew();
        long values = 0;
        await using (var connection = await source.OpenConnectionAsync())
        {
            var stages = (await connection.QueryAsync<(int Id, string Run, string Stage)>(
                $"SELECT st.id, r.name, st.stage FROM {s}.run_stages st JOIN {s}.runs r ON r.id = st.run_id ORDER BY st.id")).ToList();
            var keyIds = (await connection.QueryAsync<int>($"SELECT id FROM {s}.stat_keys ORDER BY name COLLATE \"C\"")).ToArray();
            foreach (var (id, run, stage) in stages)
            {
                var steps = stage == "evaluation" ? shape.EvaluationSteps : shape.StepsOf(run);
                values += await CopyStageAsync(connection, s, id, keyIds, 0, steps, seed: id, keyByKeyBatch: batchRecords);
                progress($"  {run}/{stage}: {steps:N0} steps; {values:N0} values in {clock.Elapsed.TotalSeconds:F0} s");
            }
        }

        return (clock.Elapsed.TotalSeconds, values);
    }

    /// <summary>
    /// Copies <paramref name="steps"/> steps of every key from <paramref name="first"/> on, in one transaction: step
    /// by step (<paramref name="keyByKeyBatch"/> 0), or as the writer sends them, in batches of
    /// <paramref name="keyByKeyBatch"/> steps each copied key by key.
    /// </summary>
    public static async Task<long> CopyStageAsync(NpgsqlConnection connection, string s, int stageId, int[] keyIds, long first, int steps, int seed, int keyByKeyBatch)
    {
        // An energy that falls towards -2.9 with noise, and other keys near their own levels.
        var random = new Random(seed);
        var values = new double[steps * keyIds.Length];
        for (var i = 0; i < steps; i++)
        {
            var energy = -2.9 + (1.5 / (1 + ((first + i) * 1e-3))) + ((random.NextDouble() - 0.5) * 0.02);
            for (var k = 0; k < keyIds.Length; k++)
            {
                values[(i * keyIds.Length) + k] = k == 0 ? energy : energy * (k + 1) * 0.1 + random.NextDouble();
            }
        }

        await using var transaction = await connection.BeginTransactionAsync();
        await using (var importer = await connection.BeginBinaryImportAsync($"COPY {s}.stat_values (stage_id, key_id, step, value) FROM STDIN (FORMAT BINARY)"))
        {
            var batch = keyByKeyBatch > 0 ? keyByKeyBatch : 1;
            for (var row = 0; row < values.Length; row++)
            {
                // Rows of one batch of steps are batch * keys long, key after key, each key's steps in order.
                var (start, offset) = Math.DivRem(row, batch * keyIds.Length);
                var length = Math.Min(batch, steps - (start * batch));
                var (k, i) = Math.DivRem(offset, length);
                i += start * batch;
                await importer.StartRowAsync();
                await importer.WriteAsync(stageId, NpgsqlDbType.Integer);
                await importer.WriteAsync(keyIds[k], NpgsqlDbType.Integer);
                await importer.WriteAsync(first + i, NpgsqlDbType.Bigint);
                await importer.WriteAsync(values[(i * keyIds.Length) + k], NpgsqlDbType.Double);
            }

            await importer.CompleteAsync();
        }

        await transaction.CommitAsync();
        return (long)steps * keyIds.Length;
    }

    /// <summary>
    /// Makes <paramref name="target"/> a copy of <paramref name="from"/> (both at version 2) whose <c>stat_values</c>
    /// is hash-partitioned by stage into <paramref name="partitions"/> tables; returns the seconds it took.
    /// </summary>
    public async Task<double> CopyPartitionedAsync(string from, string target, int partitions)
    {
        var (f, t) = (PostgresSchema.Quote(from), PostgresSchema.Quote(target));
        await using var connection = await source.OpenConnectionAsync();
        await connection.ExecuteAsync($"DROP SCHEMA IF EXISTS {t} CASCADE");
        await PostgresSchema.EnsureAsync(connection, target, CancellationToken.None, upToVersion: 2);

        // The views depend on stat_values: keep their definitions, swap the table, put them back.
        var views = (await connection.QueryAsync<(string Name, string Definition)>(
            "SELECT c.relname, pg_get_viewdef(c.oid) FROM pg_class c WHERE c.relnamespace = CAST(@target AS regnamespace) AND c.relkind = 'v'",
            new { target })).ToList();
        var clock = Stopwatch.StartNew();
        await using var transaction = await connection.BeginTransactionAsync();
        var ddl = string.Join('\n', views.Select(v => $"DROP VIEW {t}.\"{v.Name}\" CASCADE;"))
            + $"""

            DROP TABLE {t}.stat_values;
            CREATE TABLE {t}.stat_values (
                stage_id integer NOT NULL,
                key_id   integer NOT NULL,
                step     bigint  NOT NULL,
                value    float8  NOT NULL,
                PRIMARY KEY (stage_id, step, key_id) WITH (fillfactor = 100)
            ) PARTITION BY HASH (stage_id);
            """
            + string.Concat(Enumerable.Range(0, partitions).Select(i =>
                $"\nCREATE TABLE {t}.stat_values_p{i} PARTITION OF {t}.stat_values FOR VALUES WITH (MODULUS {partitions}, REMAINDER {i});"))
            + string.Concat(views.Select(v => $"\nCREATE VIEW {t}.\"{v.Name}\" AS {v.Definition}"))
            + $"""

            INSERT INTO {t}.stat_keys (id, name) OVERRIDING SYSTEM VALUE SELECT id, name FROM {f}.stat_keys;
            INSERT INTO {t}.runs (id, name, host, created_at, updated_at, config, status) OVERRIDING SYSTEM VALUE
            SELECT id, name, host, created_at, updated_at, config, status FROM {f}.runs;
            INSERT INTO {t}.run_stages (id, run_id, stage, status, initial_step, started_at, updated_at) OVERRIDING SYSTEM VALUE
            SELECT id, run_id, stage, status, initial_step, started_at, updated_at FROM {f}.run_stages;
            SELECT setval(pg_get_serial_sequence('{t}.stat_keys', 'id'), (SELECT max(id) FROM {t}.stat_keys));
            SELECT setval(pg_get_serial_sequence('{t}.runs', 'id'), (SELECT max(id) FROM {t}.runs));
            SELECT setval(pg_get_serial_sequence('{t}.run_stages', 'id'), (SELECT max(id) FROM {t}.run_stages));
            INSERT INTO {t}.stat_values SELECT * FROM {f}.stat_values ORDER BY stage_id, step, key_id;
            """;
        await connection.ExecuteAsync(new CommandDefinition(ddl, transaction: transaction, commandTimeout: 0));
        await transaction.CommitAsync();
        return clock.Elapsed.TotalSeconds;
    }
}
