using System.ComponentModel.DataAnnotations;

namespace Jaqmc.Remote;

/// <summary>Where and how <see cref="RemoteStatsRecorder"/> sends (section <c>Remote</c>).</summary>
public sealed class RemoteRecorderOptions : IValidatableObject
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Remote";

    /// <summary>The server (<c>jaqmc serve</c>). Default: <c>http://127.0.0.1:5170</c>.</summary>
    public Uri Url { get; set; } = new("http://127.0.0.1:5170");

    /// <summary>The run's name on the server (its files go to <c>ROOT/&lt;Run&gt;/</c>). Default: <c>default</c>.</summary>
    public string Run { get; set; } = "default";

    /// <summary>The server's token; empty sends none. Never logged. Default: empty.</summary>
    public string Token { get; set; } = string.Empty;

    /// <summary>Records held (queued and unacknowledged) before <c>RecordAsync</c> waits. Default: 65536.</summary>
    public int QueueCapacity { get; set; } = 65_536;

    /// <summary>Most records per request. Default: 8192.</summary>
    public int MaxBatchSize { get; set; } = 8192;

    /// <summary>How long one request may take. Default: 60 s.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long ending a stage waits for the last acknowledgement. Default: 60 s.</summary>
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>First wait after a failed request; it doubles up to <see cref="MaxRetryDelay"/>. Default: 200 ms.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest wait between attempts. Default: 5 s.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Url is null || !Url.IsAbsoluteUri || (Url.Scheme != Uri.UriSchemeHttp && Url.Scheme != Uri.UriSchemeHttps))
        {
            yield return new ValidationResult($"must be an http:// or https:// address (got '{Url}')", [nameof(Url)]);
        }

        if (string.IsNullOrWhiteSpace(Run))
        {
            yield return new ValidationResult($"must not be empty (got '{Run}')", [nameof(Run)]);
        }

        foreach (var (name, value) in new (string, double)[] { (nameof(QueueCapacity), QueueCapacity), (nameof(MaxBatchSize), MaxBatchSize), (nameof(RequestTimeout), RequestTimeout.TotalSeconds), (nameof(CloseTimeout), CloseTimeout.TotalSeconds), (nameof(RetryDelay), RetryDelay.TotalSeconds), (nameof(MaxRetryDelay), MaxRetryDelay.TotalSeconds) })
        {
            if (value <= 0)
            {
                yield return new ValidationResult($"must be greater than 0 (got {value})", [name]);
            }
        }
    }
}
