using System.Text;

namespace Jaqmc.Sinks;

/// <summary>Resolves file writers' path templates (only <c>{stage}</c> is a field) under a working directory.</summary>
public static class StagePath
{
    private const string StageField = "{stage}";

    /// <summary>
    /// Checks a template: non-empty, and every <c>{...}</c> field is <c>{stage}</c>.
    /// </summary>
    /// <returns>null when valid, otherwise the rule and the value given, such as <c>must not be empty (got '')</c>.</returns>
    public static string? ValidateTemplate(string? template)
    {
        if (string.IsNullOrWhiteSpace(template))
        {
            return $"must not be empty (got '{template}')";
        }

        var i = 0;
        while ((i = template.IndexOf('{', i)) >= 0)
        {
            var end = template.IndexOf('}', i);
            if (end < 0)
            {
                return $"must close the '{{' at position {i} (got '{template}')";
            }

            var field = template[i..(end + 1)];
            if (field != StageField)
            {
                return $"may use only the field {StageField}, not '{field}' (got '{template}')";
            }

            i = end + 1;
        }

        if (template.Contains('}') && template.Replace(StageField, string.Empty, StringComparison.Ordinal).Contains('}'))
        {
            return $"must not hold a '}}' outside {StageField} (got '{template}')";
        }

        return null;
    }

    /// <summary>Rejects stage names that are empty or could leave the working directory.</summary>
    /// <exception cref="ArgumentException">The name is empty, <c>.</c>/<c>..</c>, or contains a path separator or NUL.</exception>
    public static void ValidateStage(string stage)
    {
        if (string.IsNullOrWhiteSpace(stage))
        {
            throw new ArgumentException("Stage name is empty.", nameof(stage));
        }

        if (stage is "." or ".." || stage.Contains('/') || stage.Contains('\\') || stage.Contains('\0')
            || stage.Contains("..", StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"Stage name '{stage}' is not allowed: it must not contain '/', '\\' or '..' (it names files in the working directory).",
                nameof(stage));
        }
    }

    /// <summary>
    /// Expands <paramref name="template"/> for <paramref name="stage"/> and resolves it under
    /// <paramref name="workingDirectory"/> when relative.
    /// </summary>
    public static string Resolve(string template, string workingDirectory, string stage)
    {
        var problem = ValidateTemplate(template);
        if (problem is not null)
        {
            throw new ArgumentException($"Path template {problem}.", nameof(template));
        }

        ValidateStage(stage);
        var expanded = new StringBuilder(template).Replace(StageField, stage).ToString();
        return Path.GetFullPath(expanded, Path.GetFullPath(workingDirectory));
    }
}
