using Jaqmc.Cli.Serve;

namespace Jaqmc.Cli.Dashboard;

/// <summary>Every source the dashboard reads (PostgreSQL, a directory tree, or both), and the run ids that name a run in one of them.</summary>
internal sealed class RunCatalogue(IReadOnlyList<IRunSource> sources)
{
    /// <summary>Every run of every source, the most recently updated first.</summary>
    public async Task<IReadOnlyList<DashboardRun>> ListAsync(CancellationToken cancellationToken)
    {
        var runs = new List<DashboardRun>();
        foreach (var source in sources)
        {
            runs.AddRange(await source.ListAsync(cancellationToken).ConfigureAwait(false));
        }

        return [.. runs.OrderByDescending(r => r.Updated)];
    }

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
}
