namespace Jaqmc.Sinks.Postgres;

/// <summary>
/// Schema version 3: summaries whose reading cost follows what is looked at, not how much is stored
/// (docs/postgres.md, "Viewing at scale").
/// </summary>
/// <remarks>
/// <para>
/// Three summaries are kept by statement-level triggers on <c>stat_values</c> that read the statement's transition
/// table (COPY fires them too), so they change in the same transaction as the rows, for any writer, with no change
/// to the writer's code:
/// </para>
/// <list type="bullet">
/// <item><c>stat_latest</c>: the latest value of each key of each stage (what <c>latest_stats</c>, <c>show</c> and
/// <c>runs</c> read);</item>
/// <item><c>run_stages.first_step</c>, <c>last_step</c>, <c>value_count</c>;</item>
/// <item><c>stat_blocks</c>: per key, the count, min, max, sum and last value of each aligned block of 64 steps,
/// from which <c>curve()</c> assembles buckets without reading every value.</item>
/// </list>
/// <para>
/// A block's rows are deleted or recomputed from the remaining values when its values are deleted (a resume or a
/// retried batch deletes whole steps, so only the block at the cut is recomputed). UPDATE and TRUNCATE of
/// <c>stat_values</c> are not tracked: the writer never does either.
/// </para>
/// </remarks>
internal static class PostgresViewingMigration
{
    /// <summary>Steps per <c>stat_blocks</c> row: a power of two, so a step's block is <c>step &gt;&gt; 6</c>.</summary>
    internal const int BlockSteps = 64;

    /// <summary>The longest step range <c>curve()</c> reads value by value; longer ranges read blocks.</summary>
    internal const int RawStepLimit = 16384;

    /// <summary>The migration; {s} is the quoted schema.</summary>
    internal const string Sql = """
        ALTER TABLE {s}.run_stages
            ADD COLUMN first_step  bigint,
            ADD COLUMN last_step   bigint,
            ADD COLUMN value_count bigint NOT NULL DEFAULT 0;
        COMMENT ON COLUMN {s}.run_stages.value_count IS 'Rows of stat_values of this stage (kept by triggers on stat_values).';

        CREATE TABLE {s}.stat_latest (
            stage_id integer NOT NULL REFERENCES {s}.run_stages (id) ON DELETE CASCADE,
            key_id   integer NOT NULL,
            step     bigint  NOT NULL,
            value    float8  NOT NULL,
            PRIMARY KEY (stage_id, key_id)
        );
        COMMENT ON TABLE {s}.stat_latest IS 'The latest value of each key of each run stage (kept by triggers on stat_values).';

        -- Columns ordered for no alignment padding; leaf pages packed full (blocks arrive in key order).
        CREATE TABLE {s}.stat_blocks (
            stage_id   integer NOT NULL,
            key_id     integer NOT NULL,
            block      bigint  NOT NULL,
            first_step bigint  NOT NULL,
            last_step  bigint  NOT NULL,
            min_value  float8  NOT NULL,
            max_value  float8  NOT NULL,
            sum_value  float8  NOT NULL,
            last_value float8  NOT NULL,
            n          integer NOT NULL,
            PRIMARY KEY (stage_id, key_id, block) WITH (fillfactor = 100)
        );
        COMMENT ON TABLE {s}.stat_blocks IS 'Per (stage, key, block of 64 steps: block = step >> 6): count, min, max, sum and last value; kept by triggers on stat_values, read by curve().';

        -- After COPY/INSERT: one pass of grouping over the statement's rows, then small upserts.
        CREATE FUNCTION {s}.stat_values_inserted() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            -- The last value rides along in the same pass: arrays compare element by element, so the greatest
            -- [step, value] of a block is its last step's (steps are below 2^53, exact as float8).
            WITH blocks AS MATERIALIZED (
                SELECT stage_id, key_id, step >> 6 AS block, count(*)::integer AS n,
                       min(step) AS first_step, max(step) AS last_step,
                       min(value) AS min_value, max(value) AS max_value, sum(value) AS sum_value,
                       (max(ARRAY[step::float8, value]))[2] AS last_value
                FROM new_rows GROUP BY stage_id, key_id, step >> 6),
            upserted AS (
                INSERT INTO {s}.stat_blocks AS b
                    (stage_id, key_id, block, first_step, last_step, min_value, max_value, sum_value, last_value, n)
                SELECT stage_id, key_id, block, first_step, last_step, min_value, max_value, sum_value, last_value, n
                FROM blocks
                ON CONFLICT (stage_id, key_id, block) DO UPDATE SET
                    first_step = least(b.first_step, excluded.first_step),
                    last_step  = greatest(b.last_step, excluded.last_step),
                    min_value  = least(b.min_value, excluded.min_value),
                    max_value  = greatest(b.max_value, excluded.max_value),
                    sum_value  = b.sum_value + excluded.sum_value,
                    last_value = CASE WHEN excluded.last_step > b.last_step THEN excluded.last_value ELSE b.last_value END,
                    n          = b.n + excluded.n),
            latest AS (
                INSERT INTO {s}.stat_latest AS l (stage_id, key_id, step, value)
                SELECT DISTINCT ON (stage_id, key_id) stage_id, key_id, last_step, last_value
                FROM blocks ORDER BY stage_id, key_id, block DESC
                ON CONFLICT (stage_id, key_id) DO UPDATE SET step = excluded.step, value = excluded.value
                WHERE excluded.step >= l.step)
            UPDATE {s}.run_stages st SET
                first_step  = least(st.first_step, a.first_step),
                last_step   = greatest(st.last_step, a.last_step),
                value_count = st.value_count + a.n
            FROM (SELECT stage_id, min(first_step) AS first_step, max(last_step) AS last_step, sum(n) AS n
                  FROM blocks GROUP BY stage_id) a
            WHERE st.id = a.stage_id;
            RETURN NULL;
        END
        $fn$;

        -- After DELETE (resume, a retried batch, deleting a run): one pass over the deleted rows drops the blocks that
        -- lost every value, recomputes the one or two a cut went through from what remains, and counts; then each key's
        -- latest value and each stage's extent are re-read from the blocks.
        CREATE FUNCTION {s}.stat_values_deleted() RETURNS trigger LANGUAGE plpgsql AS $fn$
        DECLARE
            stages integer[];
        BEGIN
            WITH deleted AS MATERIALIZED (
                SELECT stage_id, key_id, step >> 6 AS block, count(*) AS n
                FROM old_rows GROUP BY stage_id, key_id, step >> 6),
            cut AS MATERIALIZED (
                SELECT d.stage_id, d.key_id, d.block, b.n > d.n AS partial
                FROM deleted d
                JOIN {s}.stat_blocks b ON b.stage_id = d.stage_id AND b.key_id = d.key_id AND b.block = d.block),
            gone AS (
                DELETE FROM {s}.stat_blocks b USING cut c
                WHERE b.stage_id = c.stage_id AND b.key_id = c.key_id AND b.block = c.block AND NOT c.partial),
            recomputed AS (
                UPDATE {s}.stat_blocks b SET
                    first_step = r.first_step, last_step = r.last_step, min_value = r.min_value, max_value = r.max_value,
                    sum_value = r.sum_value, n = r.n, last_value = r.last_value
                FROM cut c
                CROSS JOIN LATERAL (
                    SELECT count(*)::integer AS n, min(v.step) AS first_step, max(v.step) AS last_step,
                           min(v.value) AS min_value, max(v.value) AS max_value, sum(v.value) AS sum_value,
                           (max(ARRAY[v.step::float8, v.value]))[2] AS last_value
                    FROM {s}.stat_values v
                    WHERE v.stage_id = c.stage_id AND v.key_id = c.key_id
                      AND v.step BETWEEN c.block << 6 AND (c.block << 6) + 63) r
                WHERE b.stage_id = c.stage_id AND b.key_id = c.key_id AND b.block = c.block AND c.partial),
            counted AS (
                UPDATE {s}.run_stages st SET value_count = st.value_count - c.n
                FROM (SELECT stage_id, sum(n) AS n FROM deleted GROUP BY stage_id) c
                WHERE st.id = c.stage_id
                RETURNING st.id)
            SELECT array_agg(id) INTO stages FROM counted;

            WITH newest AS (
                SELECT l.stage_id, l.key_id, t.last_step, t.last_value
                FROM {s}.stat_latest l
                LEFT JOIN LATERAL (
                    SELECT b.last_step, b.last_value FROM {s}.stat_blocks b
                    WHERE b.stage_id = l.stage_id AND b.key_id = l.key_id
                    ORDER BY b.block DESC LIMIT 1) t ON true
                WHERE l.stage_id = ANY (stages)),
            gone AS (
                DELETE FROM {s}.stat_latest l USING newest n
                WHERE l.stage_id = n.stage_id AND l.key_id = n.key_id AND n.last_step IS NULL)
            UPDATE {s}.stat_latest l SET step = n.last_step, value = n.last_value
            FROM newest n
            WHERE l.stage_id = n.stage_id AND l.key_id = n.key_id AND n.last_step IS NOT NULL
              AND (l.step, l.value) IS DISTINCT FROM (n.last_step, n.last_value);

            -- The extents from the summaries just updated: reading stat_values' index here would walk past every
            -- entry the delete has just made dead.
            UPDATE {s}.run_stages st SET
                last_step  = (SELECT max(l.step) FROM {s}.stat_latest l WHERE l.stage_id = st.id),
                first_step = (SELECT min(f.first_step) FROM {s}.stat_latest l
                              CROSS JOIN LATERAL (
                                  SELECT b.first_step FROM {s}.stat_blocks b
                                  WHERE b.stage_id = l.stage_id AND b.key_id = l.key_id ORDER BY b.block LIMIT 1) f
                              WHERE l.stage_id = st.id)
            WHERE st.id = ANY (stages);
            RETURN NULL;
        END
        $fn$;

        -- Existing values: one stage at a time, so each grouping fits in memory. This reads the whole table once.
        DO $fill$
        DECLARE
            sid integer;
        BEGIN
            FOR sid IN SELECT id FROM {s}.run_stages ORDER BY id LOOP
                INSERT INTO {s}.stat_blocks
                    (stage_id, key_id, block, first_step, last_step, min_value, max_value, sum_value, last_value, n)
                SELECT stage_id, key_id, step >> 6, min(step), max(step), min(value), max(value), sum(value),
                       (max(ARRAY[step::float8, value]))[2], count(*)
                FROM {s}.stat_values WHERE stage_id = sid
                GROUP BY stage_id, key_id, step >> 6
                ORDER BY key_id, step >> 6;
            END LOOP;
        END
        $fill$;

        INSERT INTO {s}.stat_latest (stage_id, key_id, step, value)
        SELECT DISTINCT ON (stage_id, key_id) stage_id, key_id, last_step, last_value
        FROM {s}.stat_blocks ORDER BY stage_id, key_id, block DESC;

        UPDATE {s}.run_stages st SET first_step = a.first_step, last_step = a.last_step, value_count = a.n
        FROM (SELECT stage_id, min(first_step) AS first_step, max(last_step) AS last_step, sum(n) AS n
              FROM {s}.stat_blocks GROUP BY stage_id) a
        WHERE st.id = a.stage_id;

        CREATE TRIGGER stat_values_inserted AFTER INSERT ON {s}.stat_values
            REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {s}.stat_values_inserted();
        CREATE TRIGGER stat_values_deleted AFTER DELETE ON {s}.stat_values
            REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {s}.stat_values_deleted();

        -- Same name and columns as before; now a join of small tables instead of a DISTINCT ON over every value.
        CREATE OR REPLACE VIEW {s}.latest_stats AS
        SELECT r.name AS run, st.run_id, st.stage, k.name, l.step, l.value
        FROM {s}.stat_latest l
        JOIN {s}.run_stages st ON st.id = l.stage_id
        JOIN {s}.runs r ON r.id = st.run_id
        JOIN {s}.stat_keys k ON k.id = l.key_id;
        COMMENT ON VIEW {s}.latest_stats IS 'The latest value of each key of each stage of each run.';

        -- Buckets on an absolute grid (bucket = floor(step / width)), so panning keeps them stable; width is
        -- ceil(steps / points), and beyond 16,384 steps it is rounded up to a multiple of 64 so that whole blocks
        -- are read from stat_blocks (at most two partial blocks at the ends of the range come from stat_values).
        -- Every bucket is exact: min, max, count and last are those of its values; mean is their sum / count.
        CREATE FUNCTION {s}.curve(
            run text, stage text, key text,
            from_step bigint DEFAULT NULL, to_step bigint DEFAULT NULL, points integer DEFAULT 1000)
        RETURNS TABLE (step bigint, last_step bigint, count bigint,
                       min float8, max float8, mean float8, last float8)
        LANGUAGE plpgsql STABLE AS $fn$
        #variable_conflict use_column
        DECLARE
            the_stage integer;
            the_key   integer;
            lo       bigint;
            hi       bigint;
            width    bigint;
            inner_lo bigint;
            inner_hi bigint;
        BEGIN
            IF points IS NULL OR points < 1 THEN
                RAISE EXCEPTION 'points must be at least 1 (got %)', points USING ERRCODE = '22023';
            END IF;

            SELECT st.id, greatest(coalesce(curve.from_step, st.first_step), st.first_step),
                   least(coalesce(curve.to_step, st.last_step), st.last_step)
            INTO the_stage, lo, hi
            FROM {s}.run_stages st JOIN {s}.runs r ON r.id = st.run_id
            WHERE r.name = curve.run AND st.stage = curve.stage;
            SELECT k.id INTO the_key FROM {s}.stat_keys k WHERE k.name = curve.key;
            IF the_stage IS NULL OR the_key IS NULL OR lo IS NULL OR hi < lo THEN
                RETURN;
            END IF;

            width := (hi - lo + points) / points;
            IF hi - lo + 1 <= 16384 THEN
                RETURN QUERY
                SELECT min(v.step), max(v.step), count(*), min(v.value), max(v.value), avg(v.value),
                       (array_agg(v.value ORDER BY v.step DESC))[1]
                FROM {s}.stat_values v
                WHERE v.stage_id = the_stage AND v.key_id = the_key AND v.step BETWEEN lo AND hi
                GROUP BY v.step - ((v.step % width) + width) % width
                ORDER BY 1;
                RETURN;
            END IF;

            width := (width + 63) / 64 * 64;
            inner_lo := (lo + 63) >> 6;        -- first whole block
            inner_hi := ((hi + 1) >> 6) - 1;   -- last whole block
            RETURN QUERY
            WITH parts AS (
                SELECT b.first_step AS fs, b.last_step AS ls, b.n::bigint AS n,
                       b.min_value AS mn, b.max_value AS mx, b.sum_value AS sm, b.last_value AS lv
                FROM {s}.stat_blocks b
                WHERE b.stage_id = the_stage AND b.key_id = the_key AND b.block BETWEEN inner_lo AND inner_hi
                UNION ALL
                SELECT v.step, v.step, 1, v.value, v.value, v.value, v.value
                FROM {s}.stat_values v
                WHERE v.stage_id = the_stage AND v.key_id = the_key AND v.step BETWEEN lo AND (inner_lo << 6) - 1
                UNION ALL
                SELECT v.step, v.step, 1, v.value, v.value, v.value, v.value
                FROM {s}.stat_values v
                WHERE v.stage_id = the_stage AND v.key_id = the_key AND v.step BETWEEN (inner_hi + 1) << 6 AND hi)
            SELECT min(fs), max(ls), sum(n)::bigint, min(mn), max(mx), sum(sm) / sum(n),
                   (array_agg(lv ORDER BY ls DESC))[1]
            FROM parts
            GROUP BY fs - ((fs % width) + width) % width
            ORDER BY 1;
        END
        $fn$;
        COMMENT ON FUNCTION {s}.curve(text, text, text, bigint, bigint, integer) IS
            'One key of one run stage as at most points + 1 buckets over [from_step, to_step] (default: the whole stage): each bucket''s first step, last step, count, min, max, mean and last value.';
        """;
}
