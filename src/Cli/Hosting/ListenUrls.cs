using System.Net;

namespace Jaqmc.Cli.Hosting;

/// <summary>
/// The addresses a server of the program (<c>serve</c>, <c>dashboard</c>) listens on: checked once at start, so a
/// typo or an open bind without a token is a configuration error, not a surprise on the network.
/// </summary>
internal static class ListenUrls
{
    /// <summary>The addresses of a ';'-separated list, trimmed.</summary>
    public static string[] Split(string urls) => urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>
    /// What is wrong with <paramref name="urls"/>: "must ..." messages naming the value. Unless
    /// <paramref name="hasToken"/>, a non-loopback address is one, naming <paramref name="tokenSetting"/>.
    /// </summary>
    public static IEnumerable<string> Problems(string urls, bool hasToken, string tokenSetting)
    {
        var list = Split(urls);
        if (list.Length == 0)
        {
            yield return $"must name at least one address (got '{urls}')";
        }

        foreach (var url in list)
        {
            if (!TryParse(url, out var uri))
            {
                yield return $"must be http:// or https:// addresses separated by ';' (got '{url}')";
            }
            else if (!hasToken && !IsLoopback(uri))
            {
                yield return $"binds a non-loopback address, so {tokenSetting} must be set (got '{url}')";
            }
        }
    }

    /// <summary>Whether every address of <paramref name="urls"/> is a loopback one.</summary>
    public static bool AllLoopback(string urls) => Split(urls).All(u => TryParse(u, out var uri) && IsLoopback(uri));

    private static bool TryParse(string url, out Uri uri) =>
        Uri.TryCreate(url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out uri!)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    private static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
}
