using Dapper;
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
    ];

    /// <summary>The version this build creates.</summary>
    internal static int LatestVersion => Migrations.Length;

    /// <summary>Quotes a schema name validated by <see cref="PostgresWriterOptions.IsValidSchemaName"/>.</summary>
    internal static string Quote(string schema) => "\"" + schema + "\"";

    /// <summary>
    /// Creates the schema if missing and applies pending migrations.
    /// </summary>
    /// <returns>The version found before and the version after.</returns>
    internal static async Task<(int Before, int After)> EnsureAsync(NpgsqlConnection connection, string schema, CancellationToken cancellationToken)
    {
        var s = Quote(schema);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

        // One lock per schema name; the 64-bit key is derived in the server so every client agrees on it.
        await connection.ExecuteAsync(new CommandDefinition(
            "SELECT pg_advisory_xact_lock(hashtextextended('jaqmc.schema:' || @schema, 0))",
            new { schema }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);

        // Look before creating: a role without CREATE on the database can still use a schema made for it.
        var hasVersionTable = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT to_regclass(@table) IS NOT NULL", new { table = $"{s}.schema_version" }, transaction,
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        var before = 0;
        if (hasVersionTable)
        {
            before = await connection.ExecuteScalarAsync<int>(new CommandDefinition(
                $"SELECT coalesce(max(version), 0) FROM {s}.schema_version", transaction: transaction,
                cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
        else
        {
            await connection.ExecuteAsync(new CommandDefinition(
                $"""
                CREATE SCHEMA IF NOT EXISTS {s};
                CREATE TABLE {s}.schema_version (
                    version    integer     PRIMARY KEY,
                    applied_at timestamptz NOT NULL DEFAULT now()
                );
                """,
                transaction: transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }

        for (var version = before + 1; version <= Migrations.Length; version++)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                Migrations[version - 1].Replace("{s}", s, StringComparison.Ordinal),
                transaction: transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            await connection.ExecuteAsync(new CommandDefinition(
                $"INSERT INTO {s}.schema_version (version) VALUES (@version)", new { version }, transaction,
                cancellationToken: cancellationToken)).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return (before, Math.Max(before, Migrations.Length));
    }
}
