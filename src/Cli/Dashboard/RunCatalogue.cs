using Jaqmc.Cli.Serve;

namespace Jaqmc.Cli.Dashboard;

/// <summary>Every source the dashboard reads (PostgreSQL, a directory tree, or both), and the run ids that name a run in one of them.</summary>
internal sealed class RunCatalogue(IReadOnlyList<IRunSource> sources)
{
    /// <summary>The number of sources.</summary>
    public int Count => sources.Count;

    /// <summary>
    /// Every run of every source that answers, the most recently updated first, and an error per source that does
    /// not: an unreachable database does not hide the run directories. The sources are asked at once, so a database
    /// that takes its connect timeout to fail delays the list by that, not by the sum.
    /// </summary>
    public async Task<RunListing> ListAsync(CancellationToken cancellationToken)
    {
        var answers = await Task.WhenAll(sources.Select(source => ListAsync(source, cancellationToken))).ConfigureAwait(false);
        return new RunListing(
            [.. answers.SelectMany(a => a.Runs).OrderByDescending(r => r.Updated)],
            [.. answers.Where(a => a.Error is not null).Select(a => a.Error!)]);
    }

    /// <summary>Whether run <paramref name="id"/> comes from the source named <paramref name="source"/> (<c>postgres</c>, <c>dir</c>).</summary>
    public bool IsFrom(string id, string source) =>
        sources.Any(s => s.Name == source && id.StartsWith(s.Prefix + ":", StringComparison.Ordinal));

    /// <summary>The source and name of run <paramref name="id"/>.</summary>
    /// <exception cref="BadRequestException">The id names no source (400).</exception>
    public (IRunSource Source, string Name) Resolve(string id)
    {
        var colon = id.IndexOf(':', StringComparison.Ordinal);
        var source = colon > 0 ? sources.FirstOrDefault(s => string.Equals(s.Prefix, id[..colon], StringComparison.Ordinal)) : null;
        return source is not null && colon < id.Length - 1
            ? (source, id[(colon + 1)..])
            : throw new BadRequestException($"run must be an id from /api/runs starting with {string.Join(" or ", sources.Select(s => s.Prefix + ":"))} (got '{id}')");
    }

    private static async Task<(IReadOnlyList<DashboardRun> Runs, SourceError? Error)> ListAsync(IRunSource source, CancellationToken cancellationToken)
    {
        try
        {
            return (await source.ListAsync(cancellationToken).ConfigureAwait(false), null);
        }
        catch (CliException e)
        {
            return ([], new SourceError(source.Name, e.Message));
        }
    }
}
