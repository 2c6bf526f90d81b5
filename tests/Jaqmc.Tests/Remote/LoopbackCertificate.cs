using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Jaqmc.Tests.Remote;

/// <summary>
/// A self-signed server certificate for https://127.0.0.1, made in the test: a PKCS#12 file with its key for
/// Kestrel, a PEM file for the Python client's <c>ca_file</c>, and an <see cref="HttpClientHandler"/> that trusts
/// exactly this certificate for the .NET side.
/// </summary>
internal sealed class LoopbackCertificate : IDisposable
{
    public LoopbackCertificate(string directory)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        Certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
        Password = Convert.ToHexString(RandomNumberGenerator.GetBytes(12));
        PfxPath = Path.Combine(directory, "server.pfx");
        PemPath = Path.Combine(directory, "server.pem");
        File.WriteAllBytes(PfxPath, Certificate.Export(X509ContentType.Pkcs12, Password));
        File.WriteAllText(PemPath, Certificate.ExportCertificatePem());
    }

    public X509Certificate2 Certificate { get; }

    public string Password { get; }

    public string PfxPath { get; }

    public string PemPath { get; }

    /// <summary>The server's settings: Kestrel's default certificate for the https:// address in <c>--urls</c>.</summary>
    public string[] ServerArguments => ["--Kestrel:Certificates:Default:Path=" + PfxPath, "--Kestrel:Certificates:Default:Password=" + Password];

    /// <summary>A handler that accepts the server only when it presents this very certificate.</summary>
    public HttpMessageHandler TrustingHandler() => new SocketsHttpHandler
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, presented, _, errors) =>
                presented is not null
                && presented.GetCertHashString() == Certificate.GetCertHashString()
                && (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == SslPolicyErrors.None,
        },
    };

    public void Dispose() => Certificate.Dispose();
}
