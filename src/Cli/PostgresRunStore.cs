using Jaqmc.Sinks.Postgres;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace Jaqmc.Cli;

/// <summary>Reads runs back from the Postgres writer's schema (see docs/postgres.md).</summary>
internal sealed class PostgresRunStore : IAsyncDisposable
{
    private readonly NpgsqlDataSource _source;
    private readonly string _schema;

    private PostgresRunStore(NpgsqlDataSource source, string schema)
    {
        _source = source;
        _schema = "\"" + schema + "\"";
    }

    /// <summary>
    /// The store named by <paramref name="connection"/> or, when null, by <c>ConnectionStrings:Stats</c>; null when
    /// neither is set.
    /// </summary>
    public static PostgresRunStore? TryCreate(string? connection, IConfiguration settings)
    {
        var connectionString = connection is { Length: > 0 } ? connection : settings[PostgresWriterOptions.ConnectionStringKey];
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
            return new PostgresRunStore(NpgsqlDataSource.Create(connectionString), schema);
        }
        catch (ArgumentException e)
        {
            // The message of a bad connection string never quotes it (it may hold a password).
            throw new CliException($"the PostgreSQL connection string is not valid ({e.Message})", Hosting.ExitCodes.Configuration, e);
        }
    }

    /// <summary>Every run with its stages, newest first.</summary>
    public async Task<IReadOnlyList<RunSummary>> ListAsync(CancellationToken cancellationToken)
    {
        var sql = $"""
            SELECT r.id, r.name, r.status, r.updated_at, st.stage, st.status,
                   (SELECT max(s.step) FROM {_schema}.stats s WHERE s.run_id = r.id AND s.stage = st.stage),
                   (SELECT s.value FROM {_schema}.stats s WHERE s.run_id = r.id AND s.stage = st.stage AND s.name = 'total_energy' ORDER BY s.step DESC LIMIT 1)
            FROM {_schema}.runs r
            LEFT JOIN {_schema}.run_stages st ON st.run_id = r.id
            ORDER BY r.updated_at DESC, r.id, st.started_at
            """;
        var runs = new List<RunSummary>();
        await ExecuteAsync(sql, null, async reader =>
        {
            var name = reader.GetString(1);
            if (runs.Count == 0 || runs[^1].Name != name)
            {
                runs.Add(new RunSummary(name, "postgres", reader.GetString(2), new DateTimeOffset(reader.GetDateTime(3), TimeSpan.Zero), []));
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

    /// <summary>The run called <paramref name="name"/>: its summary and configuration (JSON), or null.</summary>
    public async Task<(RunSummary Run, string? Config)?> FindAsync(string name, CancellationToken cancellationToken)
    {
        var runs = await ListAsync(cancellationToken).ConfigureAwait(false);
        if (runs.FirstOrDefault(r => r.Name == name) is not { } run)
        {
            return null;
        }

        string? config = null;
        await ExecuteAsync($"SELECT jsonb_pretty(config) FROM {_schema}.runs WHERE name = @name", new() { ["name"] = name }, async reader =>
            config = await reader.IsDBNullAsync(0, cancellationToken).ConfigureAwait(false) ? null : reader.GetString(0), cancellationToken).ConfigureAwait(false);
        return (run, config);
    }

    /// <summary>The statistics of one stage of a run.</summary>
    public async Task<StatsTable> ReadAsync(string run, string stage, CancellationToken cancellationToken)
    {
        var steps = new List<long>();
        var columns = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        var sql = $"""
            SELECT s.step, s.name, s.value
            FROM {_schema}.stats s JOIN {_schema}.runs r ON r.id = s.run_id
            WHERE r.name = @run AND s.stage = @stage
            ORDER BY s.step, s.name
            """;
        await ExecuteAsync(sql, new() { ["run"] = run, ["stage"] = stage }, reader =>
        {
            var step = reader.GetInt64(0);
            if (steps.Count == 0 || steps[^1] != step)
            {
                steps.Add(step);
            }

            var key = reader.GetString(1);
            if (!columns.TryGetValue(key, out var values))
            {
                columns[key] = values = [];
            }

            // A key that first appears mid-stage reads NaN before it, as in the HDF5 file.
            while (values.Count < steps.Count - 1)
            {
                values.Add(double.NaN);
            }

            values.Add(reader.GetDouble(2));
            return Task.CompletedTask;
        }, cancellationToken).ConfigureAwait(false);

        if (steps.Count == 0)
        {
            throw new CliException($"PostgreSQL has no statistics for run '{run}', stage '{stage}'");
        }

        foreach (var values in columns.Values)
        {
            while (values.Count < steps.Count)
            {
                values.Add(double.NaN);
            }
        }

        return new StatsTable(stage, [.. steps], columns.ToDictionary(c => c.Key, c => c.Value.ToArray(), StringComparer.Ordinal));
    }

    public ValueTask DisposeAsync() => _source.DisposeAsync();

    private async Task ExecuteAsync(string sql, Dictionary<string, object>? parameters, Func<NpgsqlDataReader, Task> row, CancellationToken cancellationToken)
    {
        try
        {
            await using var command = _source.CreateCommand(sql);
            foreach (var (name, value) in parameters ?? [])
            {
                command.Parameters.AddWithValue(name, value);
            }

            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                await row(reader).ConfigureAwait(false);
            }
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable || e.SqlState == PostgresErrorCodes.InvalidSchemaName)
        {
            throw new CliException($"PostgreSQL has no jaqmc tables in schema {_schema} yet (no run has written there)", e);
        }
        catch (NpgsqlException e)
        {
            throw new CliException($"PostgreSQL: {e.Message}", e);
        }
    }
}
