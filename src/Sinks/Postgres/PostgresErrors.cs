using Npgsql;

namespace Jaqmc.Sinks.Postgres;

/// <summary>Tells errors that retrying can fix from those it cannot, and describes a server without secrets.</summary>
internal static class PostgresErrors
{
    /// <summary>
    /// Describes where the writer connects (host, port, database, user) from an explicit allow-list, so neither
    /// the password nor any other secret keyword (SslPassword, ...) can reach a message or a log.
    /// </summary>
    internal static string DescribeTarget(NpgsqlConnectionStringBuilder builder) =>
        $"Host={builder.Host};Port={builder.Port};Database={builder.Database ?? "(default)"};Username={builder.Username ?? "(default)"}";

    /// <summary>
    /// Returns the permanent error an exception stands for, or null when it is transient (worth retrying:
    /// connection refused or reset, server shutting down, timeouts, deadlocks, too many connections).
    /// </summary>
    internal static PermanentWriterException? AsPermanent(Exception exception, string target, string schema)
    {
        if (exception is NpgsqlException { InnerException: null, IsTransient: false } and not PostgresException
            && exception.Message.Contains("password", StringComparison.OrdinalIgnoreCase))
        {
            // Npgsql's own check (no password given, server asks for one): the server never saw an attempt.
            return new PermanentWriterException(
                $"PostgreSQL at {target} requires a password and none was given (add Password= to ConnectionStrings:Stats, or use a passfile): {exception.Message}. Retrying cannot fix this.",
                exception);
        }

        if (exception is not PostgresException pg)
        {
            // Socket, I/O and timeout failures, and Npgsql's own wrappers of them, are what an outage looks like.
            return null;
        }

        var what = pg.SqlState switch
        {
            PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification =>
                "rejected the credentials (check the user name and password in ConnectionStrings:Stats)",
            PostgresErrorCodes.InsufficientPrivilege =>
                $"denied permission (the user needs CREATE on the database, or USAGE and CREATE on schema '{schema}' and rights on its tables)",
            PostgresErrorCodes.InvalidCatalogName =>
                "has no such database (create it, or fix Database= in ConnectionStrings:Stats)",
            PostgresErrorCodes.InvalidSchemaName => $"has no schema '{schema}'",
            _ => pg.SqlState[..2] switch
            {
                // Authorization, syntax or access rule, data, integrity, feature: the same call fails the same way.
                "28" => "rejected the login",
                "42" => "refused a statement",
                "22" => "rejected a value",
                "23" => "reported an integrity violation",
                "0A" => "does not support a feature the writer needs",
                "3F" => "has no such schema",
                _ => null,
            },
        };

        return what is null
            ? null
            : new PermanentWriterException(
                $"PostgreSQL at {target} {what}: {pg.SqlState} {pg.MessageText}. Retrying cannot fix this.", pg);
    }
}
