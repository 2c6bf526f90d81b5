using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Jaqmc.Cli.Hosting;

/// <summary>
/// Turns the <see cref="IValidatableObject.Validate"/> results of a server's options (<c>serve</c>, <c>dashboard</c>)
/// into "Section:Setting must ... (got ...)" lines.
/// </summary>
/// <typeparam name="TOptions">The options, bound from <paramref name="section"/>.</typeparam>
internal sealed class SectionValidator<TOptions>(string section) : IValidateOptions<TOptions>
    where TOptions : class, IValidatableObject
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        var failures = options.Validate(new ValidationContext(options, typeof(TOptions).Name, null, null))
            .Select(r => $"{section}:{r.MemberNames.FirstOrDefault()} {r.ErrorMessage}")
            .ToArray();
        return failures.Length == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
