namespace Jaqmc.Sinks.Postgres;

/// <summary>
/// Schema version 4: <c>stat_values</c>' primary key becomes <c>(stage_id, key_id, step)</c>, and the views that
/// select a stage's steps name the stage's keys (docs/postgres.md, "Version 4: the primary key by key").
/// </summary>
/// <remarks>
/// <para>
/// The columns <c>int4, int4, int8</c> fill an index entry of 24 bytes exactly, where version 2's
/// <c>(stage_id, step, key_id)</c>, i.e. <c>int4, int8, int4</c>, is padded to 32: about 9 bytes less per value,
/// and one key's steps are one contiguous index range (<c>curve()</c>, <c>show</c>).
/// </para>
/// <para>
/// A statement that selects a stage's steps across keys must then name the keys to use the index, or it reads the
/// whole stage. Every key of a stage has a row in <c>stat_latest</c> (kept by the triggers in the same transaction as
/// the values), so the views join through it and the writer's deletes take their keys from it:
/// <c>key_id = ANY (ARRAY(SELECT key_id FROM stat_latest WHERE stage_id = …))</c>.
/// </para>
/// <para>
/// The new index is built while the old one still serves reads (<c>CREATE INDEX</c> takes a lock that blocks writes
/// only); the swap at the end takes the table's exclusive lock for a moment. Like every migration it is one
/// transaction: interrupted, it leaves version 3 as it was, and the next writer starts it again.
/// </para>
/// </remarks>
internal static class PostgresKeyOrderMigration
{
    /// <summary>The migration; {s} is the quoted schema.</summary>
    internal const string Sql = """
        -- The sort of the index build: a larger memory budget than the default 64 MB for this transaction only.
        SET LOCAL maintenance_work_mem = '256MB';

        -- A plain table swaps in an index built beside the old key; a partitioned one (a layout of the benchmark's,
        -- which the writer does not create) cannot attach a primary key from an index and is re-keyed in place.
        DO $rekey$
        BEGIN
            IF (SELECT c.relkind FROM pg_class c WHERE c.oid = '{s}.stat_values'::regclass) = 'p' THEN
                ALTER TABLE {s}.stat_values DROP CONSTRAINT stat_values_pkey;
                ALTER TABLE {s}.stat_values ADD PRIMARY KEY (stage_id, key_id, step) WITH (fillfactor = 100);
            ELSE
                CREATE UNIQUE INDEX stat_values_by_key ON {s}.stat_values (stage_id, key_id, step) WITH (fillfactor = 100);
                ALTER TABLE {s}.stat_values DROP CONSTRAINT stat_values_pkey;
                ALTER TABLE {s}.stat_values ADD CONSTRAINT stat_values_pkey PRIMARY KEY USING INDEX stat_values_by_key;
            END IF;
        END
        $rekey$;
        COMMENT ON TABLE {s}.stat_values IS 'One row per (run stage, key, step): run_stages.id, stat_keys.id; primary key (stage_id, key_id, step). NaN and Infinity are stored as float8 values. Query the stats view for names.';

        -- Same names and columns as before. Each stage's keys come from stat_latest, so a filter on run, stage and
        -- steps becomes one index range per key of the stage. OFFSET 0 keeps that sub-select a step of its own, run
        -- per stage after run_stages is filtered: flattened, the planner may read the keys of every stage first and
        -- each one's values, and only then keep the stage asked for.
        CREATE OR REPLACE VIEW {s}.stats AS
        SELECT st.run_id, st.stage, v.step, k.name, v.value
        FROM {s}.run_stages st
        CROSS JOIN LATERAL (SELECT l.stage_id, l.key_id FROM {s}.stat_latest l WHERE l.stage_id = st.id OFFSET 0) sk
        JOIN {s}.stat_values v ON v.stage_id = sk.stage_id AND v.key_id = sk.key_id
        JOIN {s}.stat_keys k ON k.id = sk.key_id;
        COMMENT ON VIEW {s}.stats IS 'One row per (run, stage, step, key), as version 1''s table was. NaN and Infinity are float8 values.';

        -- As before: non-finite values become the JSON strings "NaN", "Infinity", "-Infinity".
        CREATE OR REPLACE VIEW {s}.stats_by_step AS
        SELECT r.name AS run, st.run_id, st.stage, v.step, jsonb_object_agg(k.name, v.value) AS stats
        FROM {s}.run_stages st
        JOIN {s}.runs r ON r.id = st.run_id
        CROSS JOIN LATERAL (SELECT l.stage_id, l.key_id FROM {s}.stat_latest l WHERE l.stage_id = st.id OFFSET 0) sk
        JOIN {s}.stat_values v ON v.stage_id = sk.stage_id AND v.key_id = sk.key_id
        JOIN {s}.stat_keys k ON k.id = sk.key_id
        GROUP BY r.name, st.run_id, st.stage, v.step;
        COMMENT ON VIEW {s}.stats_by_step IS 'One row per step: the step''s stats as one jsonb object (non-finite values as strings).';
        """;
}
