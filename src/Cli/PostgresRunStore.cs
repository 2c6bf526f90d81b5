using Jaqmc.Sinks.Postgres;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace Jaqmc.Cli;

/// <summary>Reads runs back from the Postgres writer's schema (see docs/postgres.md).</summary>
internal sealed class PostgresRunStore : IAsyncDisposable
{
    /// <summary>The schema version that brought the summaries and curve() this store reads.</summary>
    private const int SummariesVersion = 3;

    private const string NoJit = "SET jit = off";

    private readonly NpgsqlDataSource _source;

    private PostgresRunStore(NpgsqlDataSource source, string schema)
    {
        _source = source;
        Schema = "\"" + schema + "\"";
    }

    /// <summary>
    /// The store named by <paramref name="connection"/> or, when null, by <c>ConnectionStrings:Stats</c> or else
    /// <c>Writers:Postgres:ConnectionString</c> (the writer records with either); null when none is set.
    /// </summary>
    public static PostgresRunStore? TryCreate(string? connection, IConfiguration settings)
    {
        var connectionString = connection is { Length: > 0 } ? connection
            : settings[PostgresWriterOptions.ConnectionStringKey] is { Length: > 0 } stats ? stats
            : settings["Writers:Postgres:ConnectionString"];
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return null;
        }

        var schema = settings["Writers:Postgres:Schema"] is { Length: > 0 } s ? s : new PostgresWriterOptions().Schema;
        if (!PostgresWriterOptions.IsValidSchemaName(schema))
        {
            throw new CliException($"Writers:Postgres:Schema must be a plain lower-case SQL identifier (got '{schema}')", Hosting.ExitCodes.Configuration);
        }

        try
        {
            return new PostgresRunStore(CreateDataSource(connectionString), schema);
        }
        catch (ArgumentException e)
        {
            // The message of a bad connection string never quotes it (it may hold a password).
            throw new CliException($"the PostgreSQL connection string is not valid ({e.Message})", Hosting.ExitCodes.Configuration, e);
        }
    }

    /// <summary>
    /// The reads' data source. They receive only built-in types (integer, bigint, float8, text, boolean, timestamptz
    /// and arrays of them), which the slim builder knows without the server's catalogue: the full builder reads the
    /// catalogue when it first connects and sets up every type plugin, about 30 ms of each command's start.
    /// </summary>
    /// <remarks>
    /// Each connection turns off PostgreSQL's JIT compilation once, when it is opened. The reads are index ranges,
    /// but a stage's rows are estimated from the table's statistics, and above <c>jit_above_cost</c> the server
    /// compiled such a query before running it (15 ms of a 20 ms read of one key at 100 M values; half a second under
    /// load). A <c>SET</c>, not a startup option: connection poolers such as PgBouncer refuse unknown startup
    /// options. A pooled connection is therefore not reset when it is returned (the reads change no other session
    /// state), which also saves each query a round trip.
    /// </remarks>
    private static NpgsqlDataSource CreateDataSource(string connectionString)
    {
        var builder = new NpgsqlSlimDataSourceBuilder(connectionString);
        builder.ConnectionStringBuilder.NoResetOnClose = true;
        builder.UsePhysicalConnectionInitializer(
            static connection =>
            {
                using var command = new NpgsqlCommand(NoJit, connection);
                command.ExecuteNonQuery();
            },
            static async connection =>
            {
                await using var command = new NpgsqlCommand(NoJit, connection);
                await command.ExecuteNonQueryAsync().ConfigureAwait(false);
            });
        builder.EnableArrays();
        builder.ConfigureTypeLoading(t => t.EnableTypeLoading(false));
        return builder.Build();
    }

    /// <summary>Every run with its stages, newest first.</summary>
    public Task<IReadOnlyList<RunSummary>> ListAsync(CancellationToken cancellationToken) => SummariesAsync(null, cancellationToken);

    /// <summary>The run called <paramref name="name"/>: its summary and configuration (JSON), or null.</summary>
    public async Task<(RunSummary Run, string? Config)?> FindAsync(string name, CancellationToken cancellationToken)
    {
        if ((await SummariesAsync(name, cancellationToken).ConfigureAwait(false)) is not [var run])
        {
            return null;
        }

        string? config = null;
        await ExecuteAsync($"SELECT jsonb_pretty(config) FROM {Schema}.runs WHERE name = @name", new() { ["name"] = name }, async reader =>
            config = await reader.IsDBNullAsync(0, cancellationToken).ConfigureAwait(false) ? null : reader.GetString(0), cancellationToken).ConfigureAwait(false);
        return (run, config);
    }

    /// <summary>
    /// One stage's extent and the latest value of each key, from the summaries the schema keeps (a handful of rows
    /// however long the stage); null when the stage has no statistics.
    /// </summary>
    public async Task<StageOverview?> OverviewAsync(string run, string stage, CancellationToken cancellationToken)
    {
        var sql = $"""
            SELECT st.first_step, st.last_step, st.value_count, k.name, l.step, l.value
            FROM {Schema}.run_stages st
            JOIN {Schema}.runs r ON r.id = st.run_id
            JOIN {Schema}.stat_latest l ON l.stage_id = st.id
            JOIN {Schema}.stat_keys k ON k.id = l.key_id
            WHERE r.name = @run AND st.stage = @stage
            ORDER BY k.name COLLATE "C"
            """;
        var latest = new List<LatestValue>();
        (long First, long Last, long Values) extent = default;
        await ExecuteAsync(sql, new() { ["run"] = run, ["stage"] = stage }, reader =>
        {
            extent = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
            latest.Add(new LatestValue(reader.GetString(3), reader.GetInt64(4), reader.GetDouble(5)));
            return Task.CompletedTask;
        }, cancellationToken).ConfigureAwait(false);
        return latest.Count == 0
            ? null
            : new StageOverview(stage, FormattableString.Invariant($"steps {extent.First}–{extent.Last}, {extent.Values:N0} values"), latest);
    }

    public ValueTask DisposeAsync() => _source.DisposeAsync();

    /// <summary>The quoted schema, for the SQL of <see cref="PostgresStageReader"/>.</summary>
    internal string Schema { get; }

    // Every figure comes from run_stages and stat_latest: the cost follows the number of runs, not of values.
    private async Task<IReadOnlyList<RunSummary>> SummariesAsync(string? name, CancellationToken cancellationToken)
    {
        var sql = $"""
            SELECT r.id, r.name, r.status, r.updated_at, st.stage, st.status, st.last_step, l.value
            FROM {Schema}.runs r
            LEFT JOIN {Schema}.run_stages st ON st.run_id = r.id
            LEFT JOIN {Schema}.stat_keys k ON k.name = 'total_energy'
            LEFT JOIN {Schema}.stat_latest l ON l.stage_id = st.id AND l.key_id = k.id
            {(name is null ? "" : "WHERE r.name = @name")}
            ORDER BY r.updated_at DESC, r.id, st.started_at
            """;
        var runs = new List<RunSummary>();
        await ExecuteAsync(sql, name is null ? null : new() { ["name"] = name }, async reader =>
        {
            var runName = reader.GetString(1);
            if (runs.Count == 0 || runs[^1].Name != runName)
            {
                runs.Add(new RunSummary(runName, "postgres", reader.GetString(2), new DateTimeOffset(reader.GetDateTime(3), TimeSpan.Zero), []));
            }

            if (!await reader.IsDBNullAsync(4, cancellationToken).ConfigureAwait(false))
            {
                runs[^1].Stages.Add(new StageSummary(
                    reader.GetString(4),
                    reader.GetString(5),
                    await reader.IsDBNullAsync(6, cancellationToken).ConfigureAwait(false) ? null : reader.GetInt64(6),
                    await reader.IsDBNullAsync(7, cancellationToken).ConfigureAwait(false) ? null : reader.GetDouble(7),
                    []));
            }
        }, cancellationToken).ConfigureAwait(false);
        return runs;
    }

    /// <summary>
    /// A connection inside a read-only transaction for a read of many queries (give it to
    /// <see cref="ExecuteAsync"/>): one snapshot for all of them, so a stage read window by window is consistent while
    /// a writer adds to it. Disposing it ends the transaction.
    /// </summary>
    internal async Task<NpgsqlConnection> OpenSnapshotAsync(CancellationToken cancellationToken)
    {
        try
        {
            var connection = await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", connection);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch (NpgsqlException e)
        {
            throw new CliException($"PostgreSQL: {e.Message}", e);
        }
    }

    /// <summary>
    /// Runs <paramref name="sql"/> (on <paramref name="connection"/>, or a pooled one) and hands each row to
    /// <paramref name="row"/>, as it arrives.
    /// </summary>
    internal async Task ExecuteAsync(string sql, Dictionary<string, object>? parameters, Func<NpgsqlDataReader, Task> row, CancellationToken cancellationToken, NpgsqlConnection? connection = null)
    {
        try
        {
            await using var command = connection is null ? _source.CreateCommand(sql) : new NpgsqlCommand(sql, connection);
            foreach (var (parameter, value) in parameters ?? [])
            {
                command.Parameters.AddWithValue(parameter, value);
            }

            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                await row(reader).ConfigureAwait(false);
            }
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName
                                                       or PostgresErrorCodes.UndefinedColumn or PostgresErrorCodes.UndefinedFunction)
        {
            throw await MissingSchemaAsync(e, cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException e)
        {
            throw new CliException($"PostgreSQL: {e.Message}", e);
        }
    }

    // A schema older than version 3 lacks the summaries: say so instead of naming a missing column.
    private async Task<CliException> MissingSchemaAsync(PostgresException e, CancellationToken cancellationToken)
    {
        int? version = null;
        try
        {
            await using var command = _source.CreateCommand($"SELECT max(version) FROM {Schema}.schema_version");
            version = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as int?;
        }
        catch (PostgresException)
        {
            // No version table: no jaqmc schema at all.
        }

        return version is { } v && v < SummariesVersion
            ? new CliException($"PostgreSQL schema {Schema} is at version {v}; reading needs version {SummariesVersion} or later, which the Postgres writer of this jaqmc creates when it next opens (see docs/postgres.md, upgrading)", e)
            : new CliException($"PostgreSQL has no jaqmc tables in schema {Schema} yet (no run has written there)", e);
    }
}
