using Microsoft.Extensions.Logging;
using Npgsql;

namespace Jaqmc.Sinks.Postgres;

/// <summary>
/// Writes every record of a stage to PostgreSQL: one row per (run stage, step, key) in
/// <c>{schema}.stat_values</c> (read through the <c>stats</c> view), with binary COPY, one transaction per batch.
/// </summary>
/// <remarks>
/// <para>
/// Idempotence: a batch first deletes its own step range of (run, stage), then copies, in one transaction; a
/// retried batch therefore replaces whatever an earlier attempt committed (say, when the commit succeeded but its
/// acknowledgement was lost) and an aborted one leaves nothing. Opening deletes the steps ≥ the initial step.
/// The delete is skipped only when the batch starts after every step this writer has sent since opening: nothing
/// can be there then, and the round trip costs a few per cent of the throughput.
/// </para>
/// <para>
/// Key names are stored once in <c>stat_keys</c>; the writer resolves a name to its id the first time it meets
/// it (insert if missing, then read) in a short transaction of its own, outside the batch's, so concurrent runs
/// adding the same key wait for each other only for that statement and never deadlock.
/// </para>
/// <para>
/// Failures are thrown for the pipeline to retry with backoff; errors retrying cannot fix are thrown as
/// <see cref="PermanentWriterException"/>. After any failure the connection pool is cleared so the retry does not
/// pick up a connection the server has already dropped.
/// </para>
/// </remarks>
public sealed partial class PostgresStatsWriter : StatsWriter, IRemoteStatsWriter
{
    private static readonly string HostName = Environment.MachineName;

    private readonly PostgresWriterOptions _options;
    private readonly ILogger<PostgresStatsWriter> _logger;
    private readonly string _schema;
    private readonly string _copySql;
    private readonly string _deleteRangeSql;
    private readonly string _insertKeysSql;
    private readonly string _selectKeysSql;

    // Ids of the key names seen since opening, and per StatsKeys instance (producers reuse one per stage) the
    // ids with the order that writes a step's rows by ascending key id.
    private readonly Dictionary<string, int> _keyIds = new(StringComparer.Ordinal);
    private readonly Dictionary<StatsKeys, KeyLayout> _layouts = new(ReferenceEqualityComparer.Instance);
    private readonly StatValuesCopyBuffer _copyBuffer = new();

    private NpgsqlDataSource? _dataSource;
    private string _target = "(not connected)";
    private long _runId;
    private int _stageId;

    // The highest step any batch since opening may have committed; opening deletes everything above initial - 1.
    private long _sentThrough;

    // Set by ContinueAsync: the stage was opened before (by the spool's uploader, perhaps in an earlier process).
    private bool _continuing;

    /// <summary>Creates an unopened writer; nothing connects before <see cref="StatsWriter.OpenAsync"/>.</summary>
    public PostgresStatsWriter(PostgresWriterOptions options, ILogger<PostgresStatsWriter> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        _options = options;
        _logger = logger;
        _schema = options.Schema;
        var s = PostgresSchema.Quote(_schema);
        _copySql = $"COPY {s}.stat_values (stage_id, key_id, step, value) FROM STDIN (FORMAT BINARY)";
        _deleteRangeSql = $"DELETE FROM {s}.stat_values WHERE {StageKeys(s)} AND step BETWEEN @first AND @last";

        // Insert only missing names (ON CONFLICT alone would draw an id for every name present), in byte order so
        // that two writers inserting the same new names lock them in the same order. The SELECT is a statement of
        // its own: its snapshot then includes names another writer committed while the INSERT waited for it.
        _insertKeysSql = $"""
            INSERT INTO {s}.stat_keys (name)
            SELECT n.name FROM unnest(CAST(@names AS text[])) AS n(name)
            WHERE NOT EXISTS (SELECT 1 FROM {s}.stat_keys k WHERE k.name = n.name)
            ORDER BY n.name COLLATE "C"
            ON CONFLICT (name) DO NOTHING
            """;
        _selectKeysSql = $"SELECT name, id FROM {s}.stat_keys WHERE name = ANY(@names)";
    }

    /// <summary>
    /// The condition of a delete of the stage's steps. The primary key is (stage_id, key_id, step), so a step range
    /// is one index range per key, and the keys must be named: every key of the stage has a row in stat_latest,
    /// which the triggers keep in the same transaction as the values.
    /// </summary>
    /// <remarks>
    /// The stage id goes in as a sub-select so the planner costs it as an average stage. Given as a constant, the
    /// stage being written, newer than the table's statistics, is estimated at one row, and the planner may then
    /// prefer the index range of the whole stage with the keys as a filter: every value of the stage read.
    /// </remarks>
    internal static string StageKeys(string s) =>
        $"stage_id = (SELECT CAST(@stageId AS integer)) AND key_id = ANY (ARRAY(SELECT l.key_id FROM {s}.stat_latest l WHERE l.stage_id = @stageId))";

    /// <inheritdoc />
    /// <remarks>
    /// The run and the stage are set <c>running</c> with the stage's initial step as before; nothing is deleted, and
    /// every batch afterwards deletes its own step range first, since rows of it may be there already.
    /// </remarks>
    public ValueTask ContinueAsync(WriterContext context, CancellationToken cancellationToken)
    {
        _continuing = true;
        return OpenAsync(context, cancellationToken);
    }

    /// <inheritdoc />
    protected override async ValueTask OnOpenAsync(WriterContext context, CancellationToken cancellationToken)
    {
        // A retried open reuses the data source: only the connections inside it are suspect.
        _dataSource ??= CreateDataSource();
        var s = PostgresSchema.Quote(_schema);
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            var (before, after) = await PostgresSchema.EnsureAsync(connection, _schema, cancellationToken).ConfigureAwait(false);
            if (before < after)
            {
                LogMigrated(_schema, before, after, _target);
            }
            else if (before > PostgresSchema.LatestVersion)
            {
                LogNewerSchema(_schema, before, PostgresSchema.LatestVersion);
            }

            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

            // Update first and insert only a new name: INSERT ... ON CONFLICT alone draws an id from the
            // sequence on every open, leaving gaps users would puzzle over. ON CONFLICT still settles a race.
            _runId = await PostgresCommand.ScalarInt64Async(
                connection,
                transaction,
                $"""
                WITH updated AS (
                    UPDATE {s}.runs
                    SET host = @host, config = coalesce(CAST(@config AS jsonb), config), status = 'running', updated_at = now()
                    WHERE name = @name
                    RETURNING id),
                inserted AS (
                    INSERT INTO {s}.runs AS r (name, host, config, status)
                    SELECT @name, @host, CAST(@config AS jsonb), 'running'
                    WHERE NOT EXISTS (SELECT 1 FROM updated)
                    ON CONFLICT (name) DO UPDATE
                    SET host = excluded.host, config = coalesce(excluded.config, r.config), status = 'running', updated_at = now()
                    RETURNING id)
                SELECT id FROM updated UNION ALL SELECT id FROM inserted
                """,
                cancellationToken,
                PostgresCommand.Parameter("name", context.RunName),
                PostgresCommand.Parameter("host", HostName),
                PostgresCommand.Parameter("config", context.RunConfiguration)).ConfigureAwait(false);

            _stageId = (int)await PostgresCommand.ScalarInt64Async(
                connection,
                transaction,
                $"""
                INSERT INTO {s}.run_stages AS st (run_id, stage, status, initial_step)
                VALUES (@runId, @stage, 'running', @initialStep)
                ON CONFLICT (run_id, stage) DO UPDATE
                SET status = 'running', initial_step = excluded.initial_step, updated_at = now()
                RETURNING id
                """,
                cancellationToken,
                PostgresCommand.Parameter("runId", _runId),
                PostgresCommand.Parameter("stage", context.Stage),
                PostgresCommand.Parameter("initialStep", context.InitialStep)).ConfigureAwait(false);

            if (!_continuing)
            {
                // An opening at k discards the rows at or after k, and so the openings after k: what is left marks
                // the restarts that shaped the rows (a fresh run under a reused name starts the list again).
                await PostgresCommand.ExecuteAsync(
                    connection,
                    transaction,
                    $"""
                    DELETE FROM {s}.stage_starts WHERE stage_id = @stageId AND initial_step > @initialStep;
                    INSERT INTO {s}.stage_starts (stage_id, initial_step) VALUES (@stageId, @initialStep)
                    ON CONFLICT (stage_id, initial_step) DO UPDATE SET started_at = now();
                    """,
                    cancellationToken,
                    parameters: [PostgresCommand.Parameter("stageId", _stageId), PostgresCommand.Parameter("initialStep", context.InitialStep)]).ConfigureAwait(false);
            }

            var deleted = _continuing ? 0 : await PostgresCommand.ExecuteAsync(
                connection,
                transaction,
                $"DELETE FROM {s}.stat_values WHERE {StageKeys(s)} AND step >= @initialStep",
                cancellationToken,
                parameters: [PostgresCommand.Parameter("stageId", _stageId), PostgresCommand.Parameter("initialStep", context.InitialStep)]).ConfigureAwait(false);

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            _sentThrough = _continuing ? long.MaxValue : context.InitialStep - 1;

            // Ids are re-read each stage, in case keys were deleted by hand in between.
            _keyIds.Clear();
            _layouts.Clear();
            LogOpened(context.RunName, _runId, context.Stage, context.InitialStep, deleted, _target);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            if (OnFailure(ex) is { } permanent)
            {
                throw permanent;
            }

            // Transient: rethrow as is (keeping its stack) for the pipeline to retry.
            throw;
        }
    }

    /// <summary>
    /// The batch's rows into the COPY, in the binary format, a buffer at a time: in primary-key order, key by key
    /// within each run of records that have the same keys in the same order (a whole batch, as a rule).
    /// </summary>
    /// <remarks>
    /// Key by key rather than step by step: one key's values then lie together in the table as well as in its index,
    /// so a curve read value by value touches a page per batch instead of a page per few steps (the view-scale
    /// benchmark: docs/postgres.md), and each index insert follows the previous one in the same leaf page.
    /// </remarks>
    private async Task SendRowsAsync(NpgsqlRawCopyStream copy, IReadOnlyList<StatsRecord> rows, CancellationToken cancellationToken)
    {
        _copyBuffer.Begin();
        for (var start = 0; start < rows.Count;)
        {
            var keys = rows[start].Keys;
            var layout = _layouts[keys];
            var end = start + 1;
            while (end < rows.Count && (ReferenceEquals(rows[end].Keys, keys) || _layouts[rows[end].Keys].Ids.AsSpan().SequenceEqual(layout.Ids)))
            {
                end++;
            }

            for (var i = 0; i < layout.Ids.Length; i++)
            {
                var k = layout.Order[i];
                var keyId = layout.Ids[k];
                for (var r = start; r < end; r++)
                {
                    if (!_copyBuffer.HasRoomForRow)
                    {
                        await copy.WriteAsync(_copyBuffer.Pending, cancellationToken).ConfigureAwait(false);
                        _copyBuffer.Sent();
                    }

                    _copyBuffer.AddRow(_stageId, keyId, rows[r].Step, rows[r].Values[k]);
                }
            }

            start = end;
        }

        _copyBuffer.End();
        await copy.WriteAsync(_copyBuffer.Pending, cancellationToken).ConfigureAwait(false);
        _copyBuffer.Sent();
    }

    private static async Task CancelQuietlyAsync(NpgsqlRawCopyStream copy)
    {
        try
        {
            await copy.CancelAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The connection is broken already; the original error says why, and the transaction is never committed.
        }
    }

    /// <inheritdoc />
    protected override async ValueTask OnWriteAsync(IReadOnlyList<StatsRecord> batch, CancellationToken cancellationToken)
    {
        var stage = Context.Stage;
        var ordered = CheckBatch(batch, stage);
        var rows = ordered ? batch : LastValuePerStepAndKey(batch);
        var first = rows[0].Step;
        var last = rows[^1].Step;
        try
        {
            await using var connection = await _dataSource!.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await ResolveKeysAsync(connection, rows, cancellationToken).ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

            // Replace, don't append: whatever an earlier attempt of this batch committed goes first.
            if (first <= _sentThrough)
            {
                await PostgresCommand.ExecuteAsync(
                    connection,
                    transaction,
                    _deleteRangeSql,
                    cancellationToken,
                    parameters: [PostgresCommand.Parameter("stageId", _stageId), PostgresCommand.Parameter("first", first), PostgresCommand.Parameter("last", last)]).ConfigureAwait(false);
            }

            // From here on the batch may commit even if this call fails (a lost acknowledgement).
            _sentThrough = Math.Max(_sentThrough, last);
            // Disposing the stream ends the COPY; after a failure it is cancelled and the transaction never committed.
            await using (var copy = await connection.BeginRawBinaryCopyAsync(_copySql, cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await SendRowsAsync(copy, rows, cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    // Disposing would end the COPY normally (the server accepts it without the trailer) and a failing
                    // dispose would replace this error; cancelling ends it as failed, and this error is the one kept.
                    await CancelQuietlyAsync(copy).ConfigureAwait(false);
                    throw;
                }
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            if (OnFailure(ex) is { } permanent)
            {
                throw permanent;
            }

            // Transient: rethrow as is (keeping its stack) for the pipeline to retry.
            throw;
        }
    }

    /// <summary>
    /// Makes sure every key set in <paramref name="rows"/> has a layout, inserting names new to the database in
    /// an autocommitted transaction of their own (one round trip, and only when a name is new to this writer).
    /// </summary>
    private async Task ResolveKeysAsync(NpgsqlConnection connection, IReadOnlyList<StatsRecord> rows, CancellationToken cancellationToken)
    {
        List<string>? missing = null;
        StatsKeys? previous = null;
        for (var r = 0; r < rows.Count; r++)
        {
            var keys = rows[r].Keys;
            if (ReferenceEquals(keys, previous) || _layouts.ContainsKey(keys))
            {
                previous = keys;
                continue;
            }

            previous = keys;
            foreach (var name in keys)
            {
                if (!_keyIds.ContainsKey(name))
                {
                    (missing ??= []).Add(name);
                }
            }
        }

        if (missing is not null)
        {
            var names = missing.Distinct(StringComparer.Ordinal).ToArray();
            await using var batch = new NpgsqlBatch(connection)
            {
                BatchCommands =
                {
                    new NpgsqlBatchCommand(_insertKeysSql) { Parameters = { new NpgsqlParameter("names", names) } },
                    new NpgsqlBatchCommand(_selectKeysSql) { Parameters = { new NpgsqlParameter("names", names) } },
                },
            };
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                _keyIds[reader.GetString(0)] = reader.GetInt32(1);
            }
        }

        // The unordered path makes a key set per step: keep the cache from growing with them.
        if (_layouts.Count > 256)
        {
            _layouts.Clear();
        }

        for (var r = 0; r < rows.Count; r++)
        {
            var keys = rows[r].Keys;
            if (!_layouts.ContainsKey(keys))
            {
                _layouts[keys] = KeyLayout.Create(keys, _keyIds);
            }
        }
    }

    /// <inheritdoc />
    /// <remarks>Every batch is committed before <c>WriteAsync</c> returns, so there is nothing left to flush.</remarks>
    protected override ValueTask OnFlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <inheritdoc />
    protected override async ValueTask OnCloseAsync(StageOutcome outcome, CancellationToken cancellationToken)
    {
        var status = outcome switch
        {
            StageOutcome.Completed => "completed",
            StageOutcome.Interrupted => "interrupted",
            _ => "failed",
        };
        var s = PostgresSchema.Quote(_schema);
        try
        {
            await using var connection = await _dataSource!.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await PostgresCommand.ExecuteAsync(
                connection,
                null,
                $"""
                UPDATE {s}.runs SET status = @status, updated_at = now() WHERE id = @runId;
                UPDATE {s}.run_stages SET status = @status, updated_at = now() WHERE id = @stageId;
                """,
                cancellationToken,
                parameters: [PostgresCommand.Parameter("status", status), PostgresCommand.Parameter("runId", _runId), PostgresCommand.Parameter("stageId", _stageId)]).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            if (OnFailure(ex) is { } permanent)
            {
                throw permanent;
            }

            // Transient: rethrow as is (keeping its stack) for the pipeline to retry.
            throw;
        }

        LogClosed(Context.RunName, Context.Stage, status);
        await DisposeDataSourceAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override ValueTask DisposeCoreAsync() => DisposeDataSourceAsync();

    /// <summary>
    /// Verifies every record belongs to the open stage and reports whether steps strictly increase (the usual
    /// case, which needs no de-duplication).
    /// </summary>
    private static bool CheckBatch(IReadOnlyList<StatsRecord> batch, string stage)
    {
        var ordered = true;
        for (var i = 0; i < batch.Count; i++)
        {
            if (!string.Equals(batch[i].Stage, stage, StringComparison.Ordinal))
            {
                // Retrying would hand over the same record again, so this is not worth a retry.
                throw new PermanentWriterException(
                    $"Record for step {batch[i].Step} belongs to stage '{batch[i].Stage}', but the Postgres writer is open for stage '{stage}'.");
            }

            if (i > 0 && batch[i].Step <= batch[i - 1].Step)
            {
                ordered = false;
            }
        }

        return ordered;
    }

    /// <summary>
    /// Merges records that share a step (the later value of a key wins) and sorts by step, because two rows for
    /// one (step, key) would violate the primary key and fail the whole COPY on every retry.
    /// </summary>
    private static List<StatsRecord> LastValuePerStepAndKey(IReadOnlyList<StatsRecord> batch)
    {
        var byStep = new SortedDictionary<long, Dictionary<string, double>>();
        foreach (var record in batch)
        {
            if (!byStep.TryGetValue(record.Step, out var values))
            {
                values = new Dictionary<string, double>(StringComparer.Ordinal);
                byStep.Add(record.Step, values);
            }

            for (var k = 0; k < record.Keys.Count; k++)
            {
                values[record.Keys[k]] = record.Values[k];
            }
        }

        return byStep.Select(p => StatsRecord.FromDictionary(batch[0].Stage, p.Key, p.Value)).ToList();
    }

    private NpgsqlDataSource CreateDataSource()
    {
        var problem = PostgresWriterOptions.DescribeConnectionStringProblem(_options.ConnectionString);
        if (problem is not null)
        {
            throw new PermanentWriterException($"The Postgres writer's connection string {problem}.");
        }

        var builder = new NpgsqlConnectionStringBuilder(_options.ConnectionString);
        if (string.IsNullOrEmpty(builder.ApplicationName))
        {
            // Lets a DBA find (and a test terminate) the writer's sessions in pg_stat_activity.
            builder.ApplicationName = "jaqmc";
        }

        // The writer changes no session state, so a pooled connection need not be reset (DISCARD ALL) each batch.
        builder.NoResetOnClose = true;

        _target = PostgresErrors.DescribeTarget(builder);

        // The writer sends only built-in types (integer, bigint, float8, text, text[]): the slim builder's basic
        // types and arrays, known without reading the server's catalogue. The full builder and the catalogue cost
        // each data source (one per stage) a query and tens of milliseconds of CPU.
        var dataSource = new NpgsqlSlimDataSourceBuilder(builder.ConnectionString);
        dataSource.EnableArrays();
        dataSource.ConfigureTypeLoading(t => t.EnableTypeLoading(false));
        return dataSource.Build();
    }

    /// <summary>Cleans up after a failed call; returns the permanent error it stands for, or null to rethrow it.</summary>
    private PermanentWriterException? OnFailure(Exception exception)
    {
        // A connection the server dropped looks healthy in the pool until it is used: start the retry afresh.
        _dataSource?.Clear();
        var permanent = PostgresErrors.AsPermanent(exception, _target, _schema);
        if (permanent is null)
        {
            LogTransient(_target, exception.GetType().Name, exception.Message);
        }

        return permanent;
    }

    private async ValueTask DisposeDataSourceAsync()
    {
        if (_dataSource is not null)
        {
            var dataSource = _dataSource;
            _dataSource = null;
            await dataSource.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The key ids of one key set, and the positions of its keys in ascending id order.</summary>
    private sealed record KeyLayout(int[] Ids, int[] Order)
    {
        public static KeyLayout Create(StatsKeys keys, Dictionary<string, int> keyIds)
        {
            var ids = new int[keys.Count];
            for (var k = 0; k < ids.Length; k++)
            {
                ids[k] = keyIds.TryGetValue(keys[k], out var id)
                    ? id
                    : throw new InvalidOperationException($"Stats key '{keys[k]}' has no id in stat_keys (deleted while the writer was running?).");
            }

            var order = Enumerable.Range(0, ids.Length).ToArray();
            Array.Sort(order, (a, b) => ids[a].CompareTo(ids[b]));
            return new KeyLayout(ids, order);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Postgres schema '{Schema}' migrated from version {From} to {To} on {Target}")]
    private partial void LogMigrated(string schema, int from, int to, string target);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Postgres schema '{Schema}' is at version {Found}, newer than this build's {Known}; writing anyway")]
    private partial void LogNewerSchema(string schema, int found, int known);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Postgres writer opened run '{Run}' (id {RunId}) stage '{Stage}' at step {InitialStep} on {Target}; deleted {Deleted} rows at or after it")]
    private partial void LogOpened(string run, long runId, string stage, long initialStep, int deleted, string target);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Postgres writer closed run '{Run}' stage '{Stage}' as {Status}")]
    private partial void LogClosed(string run, string stage, string status);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Postgres call to {Target} failed ({ErrorType}: {Error}); the pipeline will retry it")]
    private partial void LogTransient(string target, string errorType, string error);
}
