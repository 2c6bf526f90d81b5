using System.Globalization;
using Npgsql;

namespace Jaqmc.Sinks.Postgres;

/// <summary>
/// Runs one parameterised statement (or several separated by <c>;</c>) on an open connection: the few commands the
/// writer and the schema need, written against Npgsql directly so that nothing generates code at run time (the
/// program also ships as a NativeAOT build). Parameters are named (<c>@name</c>) and typed by their .NET type.
/// </summary>
internal static class PostgresCommand
{
    /// <summary>
    /// Runs <paramref name="sql"/> and returns the rows it affected. <paramref name="timeoutSeconds"/> is the command
    /// timeout: null keeps the connection string's, 0 waits without limit.
    /// </summary>
    public static async Task<int> ExecuteAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken,
        int? timeoutSeconds = null, params NpgsqlParameter[] parameters)
    {
        await using var command = Create(connection, transaction, sql, timeoutSeconds, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs <paramref name="sql"/> and returns the first column of its first row as an integer.</summary>
    public static async Task<long> ScalarInt64Async(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken,
        params NpgsqlParameter[] parameters)
    {
        await using var command = Create(connection, transaction, sql, null, parameters);
        var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return Convert.ToInt64(value, CultureInfo.InvariantCulture);
    }

    /// <summary>Runs <paramref name="sql"/> and returns the first column of its first row as a boolean.</summary>
    public static async Task<bool> ScalarBooleanAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken,
        params NpgsqlParameter[] parameters)
    {
        await using var command = Create(connection, transaction, sql, null, parameters);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true;
    }

    /// <summary>A named parameter typed by <typeparamref name="T"/> (a null value is sent as SQL NULL).</summary>
    public static NpgsqlParameter Parameter<T>(string name, T value) => new NpgsqlParameter<T>(name, value);

    private static NpgsqlCommand Create(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, int? timeoutSeconds, NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        if (timeoutSeconds is { } timeout)
        {
            command.CommandTimeout = timeout;
        }

        command.Parameters.AddRange(parameters);
        return command;
    }
}
