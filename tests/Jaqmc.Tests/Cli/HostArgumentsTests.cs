using Jaqmc.Cli;

namespace Jaqmc.Tests.Cli;

/// <summary>Configuration overrides are told apart from the verbs' own tokens.</summary>
public sealed class HostArgumentsTests
{
    [Fact]
    public void Split_SeparatesOverrides_InBothForms()
    {
        var (verb, host) = HostArguments.Split(["plot", "runs/he", "--Training:System=He", "-o", "e.png", "--Run:WorkingDirectory", "runs/x", "--window", "5"]);

        Assert.Equal(["plot", "runs/he", "-o", "e.png", "--window", "5"], verb);
        Assert.Equal(["--Training:System=He", "--Run:WorkingDirectory", "runs/x"], host);
    }

    [Theory]
    [InlineData("--Pipeline:Capacity=5", true)]
    [InlineData("--Writers:Postgres:Schema", true)]
    [InlineData("--keys=energy:kinetic", false)]
    [InlineData("--config", false)]
    [InlineData("runs/a:b", false)]
    [InlineData("--:x", false)]
    public void IsOverride(string token, bool expected) => Assert.Equal(expected, HostArguments.IsOverride(token));

    [Fact]
    public void Split_OverrideFollowedByAnOption_TakesNoValue()
    {
        var (verb, host) = HostArguments.Split(["--Training:FixJastrow", "--no-progress"]);

        Assert.Equal(["--no-progress"], verb);
        Assert.Equal(["--Training:FixJastrow"], host);
    }
}
