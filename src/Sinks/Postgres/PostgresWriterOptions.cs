using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using Npgsql;

namespace Jaqmc.Sinks.Postgres;

/// <summary>
/// Settings of the PostgreSQL writer (<c>Writers:Postgres</c>). The connection string normally comes from
/// <c>ConnectionStrings:Stats</c> (environment variable <c>JAQMC_ConnectionStrings__Stats</c>).
/// </summary>
/// <remarks>
/// Defaults differ from <see cref="WriterOptions"/>: <see cref="WriterOptions.Enabled"/> is <c>false</c> (the
/// service enables the writer when a connection string is given) and <see cref="WriterOptions.Retry"/> retries
/// forever (<c>MaxAttempts = -1</c>) with at most 10 seconds between attempts, so a database outage delays
/// records instead of losing them.
/// </remarks>
public sealed partial class PostgresWriterOptions : RemoteWriterOptions
{
    /// <summary>The configuration key the connection string is read from.</summary>
    public const string ConnectionStringKey = "ConnectionStrings:Stats";

    /// <summary>Creates options with the writer's defaults.</summary>
    public PostgresWriterOptions()
    {
        Enabled = false;
        Retry = new WriterRetryOptions { MaxAttempts = -1, MaxDelay = TimeSpan.FromSeconds(10) };
    }

    /// <summary>
    /// The Npgsql connection string (<c>Host=...;Database=...;Username=...;Password=...</c>). Default: empty; the
    /// service fills it from <c>ConnectionStrings:Stats</c>. Never logged.
    /// </summary>
    public string ConnectionString { get; set; } = string.Empty;

    /// <summary>
    /// The schema that holds the writer's tables and views, created on first use. A lower-case SQL identifier
    /// (letters, digits, underscores; at most 63 characters; not starting with <c>pg_</c>). Default: <c>jaqmc</c>.
    /// </summary>
    public string Schema { get; set; } = "jaqmc";

    /// <inheritdoc />
    public override IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var result in base.Validate(validationContext))
        {
            yield return result;
        }

        if (!IsValidSchemaName(Schema))
        {
            // The name is spliced into DDL, so only a plain identifier is accepted; it is safe to echo.
            yield return Problem(
                nameof(Schema),
                $"'{Schema}' is not a plain lower-case SQL identifier (a-z, 0-9, _; at most 63 characters; not starting with a digit or pg_)");
        }

        if (!Enabled)
        {
            yield break;
        }

        var problem = DescribeConnectionStringProblem(ConnectionString);
        if (problem is not null)
        {
            yield return Problem(nameof(ConnectionString), problem);
        }
    }

    /// <summary>Whether <paramref name="schema"/> can be used as the writer's schema.</summary>
    public static bool IsValidSchemaName(string? schema) =>
        schema is not null && SchemaPattern().IsMatch(schema) && !schema.StartsWith("pg_", StringComparison.Ordinal);

    /// <summary>Checks a connection string; the result never quotes the string (it may hold a password).</summary>
    /// <returns>null when usable, otherwise the problem in words.</returns>
    internal static string? DescribeConnectionStringProblem(string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return $"is empty: set {ConnectionStringKey} (environment variable JAQMC_ConnectionStrings__Stats) or disable the writer";
        }

        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidCastException or OverflowException)
        {
            // The parser's message can quote a fragment of the string (and so of the password): do not pass it on.
            return $"is not a valid PostgreSQL connection string ({ConnectionStringKey}); expected Host=...;Database=...;Username=...;Password=...";
        }

        return string.IsNullOrWhiteSpace(builder.Host)
            ? $"has no Host ({ConnectionStringKey}); expected Host=...;Database=...;Username=...;Password=..."
            : null;
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex SchemaPattern();
}
