using Npgsql;

namespace Jaqmc.Sinks.Postgres;

/// <summary>
/// The writer's tables and views, created on first use and upgraded by forward-only migrations.
/// </summary>
/// <remarks>
/// Every writer calls <see cref="EnsureAsync"/> when it opens. Migrations run in one transaction under a
/// transaction-scoped advisory lock, so runs that start at the same moment serialise here instead of racing on
/// <c>CREATE</c>; the lock is released by the commit. Never edit a released migration: append a new one.
/// </remarks>
internal static class PostgresSchema
{
    /// <summary>The migrations in order; element i brings the schema to version i + 1. {s} is the quoted schema.</summary>
    private static readonly string[] Migrations =
    [
        // Version 1. Stats are a long table: keys are data (any string, no DDL per key), and the primary key
        // rejects a duplicate (run, stage, step, key). No foreign key on stats: its per-row trigger would slow
        // COPY, and rows are only ever written by a writer that has just upserted the run. Text columns use the
        // "C" collation: byte-wise comparison makes primary-key inserts markedly cheaper than a locale's
        // (measured with C.UTF-8), and keys then sort by code point, as the CSV writer's header does.
        """
        CREATE TABLE {s}.runs (
            id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            name        text        COLLATE "C" NOT NULL UNIQUE,
            host        text        NOT NULL,
            created_at  timestamptz NOT NULL DEFAULT now(),
            updated_at  timestamptz NOT NULL DEFAULT now(),
            config      jsonb,
            status      text        NOT NULL DEFAULT 'running'
                        CHECK (status IN ('running', 'completed', 'failed', 'interrupted'))
        );
        COMMENT ON TABLE {s}.runs IS 'One row per run (WriterContext.RunName); status is that of the stage opened or closed last.';

        CREATE TABLE {s}.run_stages (
            run_id       bigint      NOT NULL REFERENCES {s}.runs (id) ON DELETE CASCADE,
            stage        text        COLLATE "C" NOT NULL,
            status       text        NOT NULL
                         CHECK (status IN ('running', 'completed', 'failed', 'interrupted')),
            initial_step bigint      NOT NULL,
            started_at   timestamptz NOT NULL DEFAULT now(),
            updated_at   timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (run_id, stage)
        );
        COMMENT ON TABLE {s}.run_stages IS 'One row per stage of a run: the latest open (initial_step) and how it ended.';

        CREATE TABLE {s}.stats (
            run_id  bigint NOT NULL,
            stage   text   COLLATE "C" NOT NULL,
            step    bigint NOT NULL,
            name    text   COLLATE "C" NOT NULL,
            value   float8 NOT NULL,
            PRIMARY KEY (run_id, stage, step, name)
        );
        COMMENT ON TABLE {s}.stats IS 'One row per (run, stage, step, key). NaN and Infinity are stored as float8 values.';

        -- to_jsonb turns NaN and +-Infinity into the JSON strings "NaN", "Infinity", "-Infinity" (JSON has no such
        -- numbers); finite values stay numbers, printed in their shortest exact form.
        CREATE VIEW {s}.stats_by_step AS
        SELECT r.name AS run, s.run_id, s.stage, s.step, jsonb_object_agg(s.name, s.value) AS stats
        FROM {s}.stats s
        JOIN {s}.runs r ON r.id = s.run_id
        GROUP BY r.name, s.run_id, s.stage, s.step;
        COMMENT ON VIEW {s}.stats_by_step IS 'One row per step: the step''s stats as one jsonb object (non-finite values as strings).';

        -- DISTINCT ON the run's name (not its id) so that WHERE run = '...' is pushed down into the scan.
        CREATE VIEW {s}.latest_stats AS
        SELECT DISTINCT ON (r.name, s.stage, s.name)
               r.name AS run, s.run_id, s.stage, s.name, s.step, s.value
        FROM {s}.stats s
        JOIN {s}.runs r ON r.id = s.run_id
        ORDER BY r.name, s.stage, s.name, s.step DESC;
        COMMENT ON VIEW {s}.latest_stats IS 'The latest value of each key of each stage of each run.';
        """,

        // Version 2. The same long table with integer ids for (run, stage) and for key names, because the
        // server's CPU per row goes mostly into primary-key maintenance and comparing integers there is much
        // cheaper than comparing (bigint, text, bigint, text) (measured: about 37 -> 26 us of server CPU per
        // 20-key record). Columns are ordered int, int, bigint, float8 so that no padding is needed; the primary
        // key keeps (stage, step) leading, which is what the per-batch range delete, resume and "WHERE run =" need.
        // Leaf pages are packed full (fillfactor 100): rows are appended in key order and never updated.
        // stats, stats_by_step and latest_stats become views with their v1 columns, so queries keep working.
        """
        ALTER TABLE {s}.run_stages ADD COLUMN id integer GENERATED ALWAYS AS IDENTITY;
        ALTER TABLE {s}.run_stages ADD CONSTRAINT run_stages_id_key UNIQUE (id);

        CREATE TABLE {s}.stat_keys (
            id   integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            name text    COLLATE "C" NOT NULL UNIQUE
        );
        COMMENT ON TABLE {s}.stat_keys IS 'Every stats key ever written, by id; keys are data, never identifiers.';

        CREATE TABLE {s}.stat_values (
            stage_id integer NOT NULL,
            key_id   integer NOT NULL,
            step     bigint  NOT NULL,
            value    float8  NOT NULL,
            PRIMARY KEY (stage_id, step, key_id) WITH (fillfactor = 100)
        );
        COMMENT ON TABLE {s}.stat_values IS 'One row per (run stage, step, key): run_stages.id, stat_keys.id. NaN and Infinity are stored as float8 values. Query the stats view for names.';

        -- Move v1's rows. Every (run, stage) with stats has a run_stages row (the writer upserts it before
        -- writing); rows of runs deleted without their stats were invisible in the views and are dropped.
        INSERT INTO {s}.stat_keys (name) SELECT DISTINCT name FROM {s}.stats ORDER BY name;
        INSERT INTO {s}.stat_values (stage_id, key_id, step, value)
        SELECT st.id, k.id, s.step, s.value
        FROM {s}.stats s
        JOIN {s}.run_stages st ON st.run_id = s.run_id AND st.stage = s.stage
        JOIN {s}.stat_keys k ON k.name = s.name
        ORDER BY st.id, s.step, k.id;

        DROP VIEW {s}.stats_by_step;
        DROP VIEW {s}.latest_stats;
        DROP TABLE {s}.stats;

        CREATE VIEW {s}.stats AS
        SELECT st.run_id, st.stage, v.step, k.name, v.value
        FROM {s}.stat_values v
        JOIN {s}.run_stages st ON st.id = v.stage_id
        JOIN {s}.stat_keys k ON k.id = v.key_id;
        COMMENT ON VIEW {s}.stats IS 'One row per (run, stage, step, key), as version 1''s table was. NaN and Infinity are float8 values.';

        -- As in version 1: non-finite values become the JSON strings "NaN", "Infinity", "-Infinity".
        CREATE VIEW {s}.stats_by_step AS
        SELECT r.name AS run, st.run_id, st.stage, v.step, jsonb_object_agg(k.name, v.value) AS stats
        FROM {s}.stat_values v
        JOIN {s}.run_stages st ON st.id = v.stage_id
        JOIN {s}.runs r ON r.id = st.run_id
        JOIN {s}.stat_keys k ON k.id = v.key_id
        GROUP BY r.name, st.run_id, st.stage, v.step;
        COMMENT ON VIEW {s}.stats_by_step IS 'One row per step: the step''s stats as one jsonb object (non-finite values as strings).';

        -- DISTINCT ON the run's name (not its id) so that WHERE run = '...' is pushed down into the scan.
        CREATE VIEW {s}.latest_stats AS
        SELECT DISTINCT ON (r.name, st.stage, k.name)
               r.name AS run, st.run_id, st.stage, k.name, v.step, v.value
        FROM {s}.stat_values v
        JOIN {s}.run_stages st ON st.id = v.stage_id
        JOIN {s}.runs r ON r.id = st.run_id
        JOIN {s}.stat_keys k ON k.id = v.key_id
        ORDER BY r.name, st.stage, k.name, v.step DESC;
        COMMENT ON VIEW {s}.latest_stats IS 'The latest value of each key of each stage of each run.';
        """,

        // Version 3. Summaries kept by triggers on stat_values (latest values, each stage's extent and counts,
        // 64-step blocks) and the curve() function, so viewing costs what is looked at, not what is stored.
        PostgresViewingMigration.Sql,

        // Version 4. stat_values' primary key as (stage_id, key_id, step): no alignment padding in the index, one
        // index range per key; the views and the writer's deletes name the stage's keys (from stat_latest).
        PostgresKeyOrderMigration.Sql,

        // Version 5. Every opening of a stage, not only the latest (run_stages.initial_step): a resume marker per
        // restart for the dashboard, as stage_starts.csv gives run directories. A replayed open (the spool's
        // uploader after a crash) finds its row and adds none. The latest opening of existing stages is kept.
        """
        CREATE TABLE {s}.stage_starts (
            stage_id     integer     NOT NULL REFERENCES {s}.run_stages (id) ON DELETE CASCADE,
            initial_step bigint      NOT NULL,
            started_at   timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (stage_id, initial_step)
        );
        COMMENT ON TABLE {s}.stage_starts IS 'Every step a stage was opened at (0, then each resume''s initial_step), with when it last was.';
        INSERT INTO {s}.stage_starts (stage_id, initial_step, started_at)
        SELECT id, initial_step, updated_at FROM {s}.run_stages;
        """,
    ];

    /// <summary>The version this build creates.</summary>
    internal static int LatestVersion => Migrations.Length;

    /// <summary>Quotes a schema name validated by <see cref="PostgresWriterOptions.IsValidSchemaName"/>.</summary>
    internal static string Quote(string schema) => "\"" + schema + "\"";

    /// <summary>
    /// Creates the schema if missing and applies pending migrations.
    /// </summary>
    /// <param name="connection">An open connection.</param>
    /// <param name="schema">The schema name, validated.</param>
    /// <param name="cancellationToken">Cancels the migration (which then rolls back).</param>
    /// <param name="upToVersion">The version to stop at; only tests pass less than <see cref="LatestVersion"/>.</param>
    /// <returns>The version found before and the version after.</returns>
    internal static async Task<(int Before, int After)> EnsureAsync(
        NpgsqlConnection connection, string schema, CancellationToken cancellationToken, int? upToVersion = null)
    {
        var target = upToVersion ?? Migrations.Length;
        var s = Quote(schema);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

        // One lock per schema name; the 64-bit key is derived in the server so every client agrees on it.
        await PostgresCommand.ExecuteAsync(
            connection, transaction, "SELECT pg_advisory_xact_lock(hashtextextended('jaqmc.schema:' || @schema, 0))",
            cancellationToken, parameters: PostgresCommand.Parameter("schema", schema)).ConfigureAwait(false);

        // Look before creating: a role without CREATE on the database can still use a schema made for it.
        var hasVersionTable = await PostgresCommand.ScalarBooleanAsync(
            connection, transaction, "SELECT to_regclass(@table) IS NOT NULL", cancellationToken,
            PostgresCommand.Parameter("table", $"{s}.schema_version")).ConfigureAwait(false);
        var before = 0;
        if (hasVersionTable)
        {
            before = (int)await PostgresCommand.ScalarInt64Async(
                connection, transaction, $"SELECT coalesce(max(version), 0) FROM {s}.schema_version", cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await PostgresCommand.ExecuteAsync(
                connection,
                transaction,
                $"""
                CREATE SCHEMA IF NOT EXISTS {s};
                CREATE TABLE {s}.schema_version (
                    version    integer     PRIMARY KEY,
                    applied_at timestamptz NOT NULL DEFAULT now()
                );
                """,
                cancellationToken).ConfigureAwait(false);
        }

        for (var version = before + 1; version <= target; version++)
        {
            // No command timeout (the connection string's default is 30 s): on a large database a migration reads
            // or re-indexes every value and takes minutes; a timeout would roll it back and the retry start over.
            await PostgresCommand.ExecuteAsync(
                connection, transaction, Migrations[version - 1].Replace("{s}", s, StringComparison.Ordinal), cancellationToken,
                timeoutSeconds: 0).ConfigureAwait(false);
            await PostgresCommand.ExecuteAsync(
                connection, transaction, $"INSERT INTO {s}.schema_version (version) VALUES (@version)", cancellationToken,
                parameters: PostgresCommand.Parameter("version", version)).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return (before, Math.Max(before, target));
    }
}
