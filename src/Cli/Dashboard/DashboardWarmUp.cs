using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;

namespace Jaqmc.Cli.Dashboard;

/// <summary>
/// Asks a just-started <c>jaqmc dashboard</c> for its page and its runs list once, through its own address, before
/// the address is printed: a fresh process spends about 300 ms compiling the request path at its first request, and
/// the runs list reads each run's latest values, so a viewer's first view would pay both. Not done beside a training
/// run (<c>train --dashboard</c>), where nobody may ever look and the CPU is the training's.
/// </summary>
internal static class DashboardWarmUp
{
    private static readonly string[] Paths = ["/", "/api/runs"];

    // A slow or unreachable database must not hold the address back: past this, the first view does the rest.
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(3);

    /// <summary>Requests the page and the runs list from <paramref name="address"/>, for at most 3 s; a failure is logged, never thrown.</summary>
    public static async Task RunAsync(string address, string token, ILogger logger, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = new Uri(address + "/") };
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(Budget);
        if (token.Length > 0)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        foreach (var path in Paths)
        {
            try
            {
                using var response = await http.GetAsync(new Uri(path.TrimStart('/'), UriKind.Relative), budget.Token).ConfigureAwait(false);
                await response.Content.ReadAsByteArrayAsync(budget.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpRequestException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                DashboardLog.WarmUpFailed(logger, path, e.Message);
                return;
            }
        }
    }
}
