namespace Jaqmc.Cli.Dashboard;

/// <summary>Where the dashboard reads runs from: PostgreSQL (<see cref="PostgresRunSource"/>) or a directory tree (<see cref="DirectoryRunSource"/>). Read-only.</summary>
internal interface IRunSource
{
    /// <summary>The id prefix of its runs (<c>pg</c>, <c>dir</c>).</summary>
    string Prefix { get; }

    /// <summary>The source as its runs name it (<c>postgres</c>, <c>dir</c>).</summary>
    string Name { get; }

    /// <summary>Every run, newest first.</summary>
    /// <exception cref="CliException">The source cannot be read (the database unreachable, ...).</exception>
    Task<IReadOnlyList<DashboardRun>> ListAsync(CancellationToken cancellationToken);

    /// <summary>The run called <paramref name="name"/>, or null.</summary>
    Task<RunDetail?> DetailAsync(string name, CancellationToken cancellationToken);

    /// <summary>The buckets of one key of one stage of run <paramref name="name"/>; null when the run, stage or key has no values.</summary>
    Task<CurveBuckets?> CurveAsync(string name, CurveQuery query, CancellationToken cancellationToken);
}
