using Jaqmc.Service.Pipeline;
using Jaqmc.Sinks.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Jaqmc.Service.Hosting;

/// <summary>Rejects a <c>Writers:&lt;Name&gt;</c> section that no registered writer owns (a typo would otherwise be ignored).</summary>
internal sealed class KnownWritersValidator(IConfiguration configuration, IEnumerable<StatsWriterRegistration> registrations)
    : IValidateOptions<PipelineOptions>
{
    public ValidateOptionsResult Validate(string? name, PipelineOptions options)
    {
        var known = registrations.Select(r => r.Name).ToArray();
        var unknown = configuration.GetSection(StatsWriterServiceCollectionExtensions.WritersSection).GetChildren()
            .Select(c => c.Key)
            .Where(k => !known.Contains(k, StringComparer.OrdinalIgnoreCase))
            .Select(k => $"{StatsWriterServiceCollectionExtensions.WritersSection}:{k} is not a known writer (known: {string.Join(", ", known)})")
            .ToArray();
        return unknown.Length == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(unknown);
    }
}
