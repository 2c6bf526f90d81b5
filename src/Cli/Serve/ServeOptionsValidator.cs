using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Jaqmc.Cli.Serve;

/// <summary>Turns <see cref="ServeOptions.Validate"/>'s results into "Serve:Setting must ... (got ...)" lines.</summary>
internal sealed class ServeOptionsValidator : IValidateOptions<ServeOptions>
{
    public ValidateOptionsResult Validate(string? name, ServeOptions options)
    {
        var failures = options.Validate(new ValidationContext(options))
            .Select(r => $"{ServeOptions.Section}:{r.MemberNames.FirstOrDefault()} {r.ErrorMessage}")
            .ToArray();
        return failures.Length == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
