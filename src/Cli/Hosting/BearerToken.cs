using System.Security.Cryptography;
using System.Text;

namespace Jaqmc.Cli.Hosting;

/// <summary>The token check of the program's servers: compared in fixed time, so timing does not leak a prefix.</summary>
internal static class BearerToken
{
    /// <summary>The header value a client sends.</summary>
    public static string Header(string token) => "Bearer " + token;

    /// <summary>Whether <paramref name="given"/> equals <paramref name="expected"/>, in time independent of where they differ.</summary>
    public static bool FixedTimeEquals(string given, string expected) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(expected));

    /// <summary>A new random token (URL-safe base64 of 24 random bytes).</summary>
    public static string Generate() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_').TrimEnd('=');
}
