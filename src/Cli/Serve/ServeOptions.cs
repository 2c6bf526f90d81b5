using System.ComponentModel.DataAnnotations;

namespace Jaqmc.Cli.Serve;

/// <summary>
/// <c>jaqmc serve</c>'s settings (section <c>Serve</c>): where runs go, the token, and the limits every request is
/// checked against before anything of it is written.
/// </summary>
internal sealed class ServeOptions : IValidatableObject
{
    public const string Section = "Serve";

    /// <summary>Every stream writes under <c>Root/&lt;run name&gt;/</c>. Default: <c>runs</c>.</summary>
    public string Root { get; set; } = "runs";

    /// <summary>Where Kestrel listens. Default: <c>http://127.0.0.1:5170</c>.</summary>
    public string Urls { get; set; } = "http://127.0.0.1:5170";

    /// <summary>The bearer token every request must carry; required when <see cref="Urls"/> is not loopback only.</summary>
    public string Token { get; set; } = string.Empty;

    /// <summary>Largest request body, in bytes. Default: 16 MiB.</summary>
    public long MaxRequestBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Most keys per record. Default: 1024.</summary>
    public int MaxKeys { get; set; } = 1024;

    /// <summary>Longest key, in characters. Default: 256.</summary>
    public int MaxKeyLength { get; set; } = 256;

    /// <summary>Most records per batch. Default: 65536.</summary>
    public int MaxRecordsPerBatch { get; set; } = 65_536;

    /// <summary>Most streams open at once. Default: 256.</summary>
    public int MaxStreams { get; set; } = 256;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(Root))
        {
            yield return new ValidationResult($"must not be empty (got '{Root}')", [nameof(Root)]);
        }

        foreach (var (name, value) in new (string, long)[] { (nameof(MaxRequestBytes), MaxRequestBytes), (nameof(MaxKeys), MaxKeys), (nameof(MaxKeyLength), MaxKeyLength), (nameof(MaxRecordsPerBatch), MaxRecordsPerBatch), (nameof(MaxStreams), MaxStreams) })
        {
            if (value <= 0)
            {
                yield return new ValidationResult($"must be greater than 0 (got {value})", [name]);
            }
        }

        foreach (var problem in Hosting.ListenUrls.Problems(Urls, !string.IsNullOrEmpty(Token), "Serve:Token (or --token, JAQMC_Serve__Token)"))
        {
            yield return new ValidationResult(problem, [nameof(Urls)]);
        }
    }
}
