using Jaqmc.Sinks;

namespace Jaqmc.Tests.Sinks;

public sealed class StagePathTests
{
    [Theory]
    [InlineData("{stage}_stats.csv", null)]
    [InlineData("out/{stage}/stats.csv", null)]
    [InlineData("", "must not be empty (got '')")]
    [InlineData("{step}_stats.csv", "may use only the field {stage}, not '{step}' (got '{step}_stats.csv')")]
    [InlineData("{stage_stats.csv", "must close the '{' at position 0 (got '{stage_stats.csv')")]
    [InlineData("{stage}}.csv", "must not hold a '}' outside {stage} (got '{stage}}.csv')")]
    public void ValidateTemplate_AcceptsOnlyTheStageField(string template, string? problem)
    {
        var result = StagePath.ValidateTemplate(template);
        if (problem is null)
        {
            Assert.Null(result);
        }
        else
        {
            Assert.Contains(problem, result, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Resolve_KeepsAbsolutePathsAndResolvesRelativeOnes()
    {
        Assert.Equal("/data/run/train_stats.csv", StagePath.Resolve("{stage}_stats.csv", "/data/run", "train"));
        Assert.Equal("/elsewhere/train.csv", StagePath.Resolve("/elsewhere/{stage}.csv", "/data/run", "train"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("..")]
    [InlineData("../x")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    public void Resolve_RejectsStagesThatEscape(string stage) =>
        Assert.Throws<ArgumentException>(() => StagePath.Resolve("{stage}.csv", "/data/run", stage));
}
