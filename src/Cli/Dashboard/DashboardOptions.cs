using System.ComponentModel.DataAnnotations;
using Jaqmc.Cli.Hosting;

namespace Jaqmc.Cli.Dashboard;

/// <summary><c>jaqmc dashboard</c>'s settings (section <c>Dashboard</c>): where it listens, its token and how finely it draws.</summary>
internal sealed class DashboardOptions : IValidatableObject
{
    public const string Section = "Dashboard";

    /// <summary>Where Kestrel listens. Default: <c>http://127.0.0.1:5080</c>.</summary>
    public string Urls { get; set; } = "http://127.0.0.1:5080";

    /// <summary>
    /// The token every request must carry (<c>Authorization: Bearer</c>, <c>?token=</c>, or the cookie the page gets
    /// from it). Bound to a non-loopback address without one, the dashboard generates one and prints it once.
    /// </summary>
    public string Token { get; set; } = string.Empty;

    /// <summary>Buckets per curve when a request names none. Default: 2000.</summary>
    public int Points { get; set; } = 2000;

    /// <summary>The most buckets a request may ask for. Default: 10000.</summary>
    public int MaxPoints { get; set; } = 10_000;

    /// <summary>How often the live stream looks for changes (one poll shared by every viewer). Default: 250 ms.</summary>
    public TimeSpan LiveInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxPoints < 1 || MaxPoints > 1_000_000)
        {
            yield return new ValidationResult($"must be from 1 to 1000000 (got {MaxPoints})", [nameof(MaxPoints)]);
        }

        if (Points < 1 || Points > MaxPoints)
        {
            yield return new ValidationResult($"must be from 1 to Dashboard:MaxPoints={MaxPoints} (got {Points})", [nameof(Points)]);
        }

        if (LiveInterval < TimeSpan.FromMilliseconds(10) || LiveInterval > TimeSpan.FromSeconds(10))
        {
            yield return new ValidationResult($"must be from 00:00:00.010 to 00:00:10 (got {LiveInterval})", [nameof(LiveInterval)]);
        }

        foreach (var problem in ListenUrls.Problems(Urls, !string.IsNullOrEmpty(Token), "Dashboard:Token (or --token)"))
        {
            yield return new ValidationResult(problem, [nameof(Urls)]);
        }
    }
}
