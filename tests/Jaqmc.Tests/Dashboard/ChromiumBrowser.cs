using Microsoft.Playwright;

namespace Jaqmc.Tests.Dashboard;

/// <summary>
/// Debian's Chromium (<c>/usr/bin/chromium</c>, apt package <c>chromium</c>, installed by scripts/test.sh) driven by
/// Playwright's driver from its NuGet package. Playwright's own browsers are never downloaded; without Chromium the
/// browser tests fail, saying what to install.
/// </summary>
internal static class ChromiumBrowser
{
    public const string ExecutablePath = "/usr/bin/chromium";

    /// <summary>Playwright and a headless Chromium; dispose both.</summary>
    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        Assert.True(File.Exists(ExecutablePath), $"The dashboard's browser tests need Chromium at {ExecutablePath}: apt-get install -y chromium (scripts/test.sh installs it).");
        var playwright = await Playwright.CreateAsync();
        try
        {
            // As root (CI), Chromium's sandbox cannot start; the page is our own, served on 127.0.0.1.
            var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = ExecutablePath, Headless = true, Args = ["--no-sandbox", "--disable-gpu"], Timeout = 120_000 });
            return (playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }
}
