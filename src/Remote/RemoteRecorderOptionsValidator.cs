using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Jaqmc.Remote;

/// <summary>
/// Validates <see cref="RemoteRecorderOptions"/> when the host starts and names each failing setting by its path
/// (<c>Remote:Url must be an http:// or https:// address (got 'ftp://x')</c>), as the other sections do. Written out
/// rather than data-annotation validation, which finds the checks by reflection (trimming, NativeAOT).
/// </summary>
internal sealed class RemoteRecorderOptionsValidator : IValidateOptions<RemoteRecorderOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, RemoteRecorderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = options.Validate(new ValidationContext(options, nameof(RemoteRecorderOptions), null, null))
            .Where(result => result != ValidationResult.Success)
            .Select(result => $"{RemoteRecorderOptions.Section}:{string.Join(",", result.MemberNames.DefaultIfEmpty("?"))} {result.ErrorMessage}")
            .ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
