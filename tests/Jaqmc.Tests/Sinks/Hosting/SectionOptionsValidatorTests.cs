using System.ComponentModel.DataAnnotations;
using Jaqmc.Sinks.Hosting;

namespace Jaqmc.Tests.Sinks.Hosting;

/// <summary>
/// Data annotations on a custom writer's options read like every other setting's problem: the setting, the rule,
/// the value given.
/// </summary>
public sealed class SectionOptionsValidatorTests
{
    private static string[] Failures(AnnotatedOptions options) =>
        new SectionOptionsValidator<AnnotatedOptions>(null, "Writers:Custom").Validate(null, options).Failures?.ToArray() ?? [];

    [Fact]
    public void ValidOptions_Pass() => Assert.Empty(Failures(new AnnotatedOptions()));

    [Theory]
    [InlineData(0, "Writers:Custom:Count must be between 1 and 10 (got 0)")]
    [InlineData(11, "Writers:Custom:Count must be between 1 and 10 (got 11)")]
    public void Range(int count, string message) =>
        Assert.Equal([message], Failures(new AnnotatedOptions { Count = count }));

    [Fact]
    public void OpenRange_SaysAtLeast() =>
        Assert.Equal(["Writers:Custom:Size must be at least 0.5 (got 0.25)"], Failures(new AnnotatedOptions { Size = 0.25 }));

    [Fact]
    public void Required() =>
        Assert.Equal(["Writers:Custom:Name must be set (got nothing)"], Failures(new AnnotatedOptions { Name = null }));

    [Fact]
    public void Length() =>
        Assert.Equal(["Writers:Custom:Name must have at most 5 characters (got 'toolong')"], Failures(new AnnotatedOptions { Name = "toolong" }));

    [Fact]
    public void SecretValues_AreNotShown() =>
        Assert.Equal(["Writers:Custom:Password must have at least 8 characters (got a value not shown here)"], Failures(new AnnotatedOptions { Password = "hunter2" }));

    [Fact]
    public void OwnChecks_RunOnceTheAttributesPass()
    {
        Assert.Equal(["Writers:Custom:Count must be even (got 3)"], Failures(new AnnotatedOptions { Count = 3 }));
        Assert.Equal(["Writers:Custom:Count must be between 1 and 10 (got 13)"], Failures(new AnnotatedOptions { Count = 13 }));
    }

    public sealed class AnnotatedOptions : IValidatableObject
    {
        [Range(1, 10)]
        public int Count { get; set; } = 2;

        [Range(0.5, double.MaxValue)]
        public double Size { get; set; } = 1;

        [Required]
        [MaxLength(5)]
        public string? Name { get; set; } = "a";

        [MinLength(8)]
        public string Password { get; set; } = "long enough";

        public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
        {
            if (Count % 2 != 0)
            {
                yield return new ValidationResult($"must be even (got {Count})", [nameof(Count)]);
            }
        }
    }
}
