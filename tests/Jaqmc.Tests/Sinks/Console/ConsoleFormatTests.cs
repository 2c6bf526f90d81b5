using System.Globalization;
using Jaqmc.Sinks;
using Jaqmc.Sinks.Console;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Jaqmc.Tests.Sinks.Console;

/// <summary>Console fields print exactly what Python's <c>format(value, spec)</c> prints, whatever the user's locale.</summary>
public sealed class ConsoleFormatTests
{
    /// <summary>Python's output for every row of <see cref="PythonFormatTable"/>, printed under a comma-decimal culture.</summary>
    [Theory]
    [MemberData(nameof(PythonFormatTable.Rows), MemberType = typeof(PythonFormatTable))]
    public async Task Field_PrintsWhatPythonFormatPrints_UnderACommaDecimalCulture(string value, string spec, string python)
    {
        var german = CultureInfo.GetCultureInfo("de-DE");
        Assert.Equal(",", german.NumberFormat.NumberDecimalSeparator);
        var (culture, uiCulture) = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = german;
        try
        {
            Assert.Equal($"step=7, x={python}", await LineAsync("x:" + spec, ParsePythonValue(value)));
        }
        finally
        {
            (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = (culture, uiCulture);
        }
    }

    [Fact]
    public async Task DotNetNaN_PrintsAsPythonsNan_WithoutASign()
    {
        // double.NaN has its sign bit set; Python prints any NaN unsigned unless asked for '+'.
        Assert.True(double.IsNegative(double.NaN));
        Assert.Equal("step=7, x=nan", await LineAsync("x:.4f", double.NaN));
        Assert.Equal("step=7, x=+nan", await LineAsync("x:+.4f", double.NaN));
        Assert.Equal("step=7, x=nan%", await LineAsync("x:.1%", double.NaN));
    }

    private static async Task<string> LineAsync(string fields, double value)
    {
        var logs = new FakeLogCollector();
        using var factory = LoggerFactory.Create(b => b.AddProvider(new FakeLoggerProvider(logs)));
        var writer = new ConsoleStatsWriter(new ConsoleWriterOptions { Fields = fields }, factory);
        await writer.OpenAsync(new WriterContext("/tmp", "train", 0, "run"), CancellationToken.None);
        await writer.WriteAsync([new StatsRecord("train", 7, new StatsKeys("x"), [value])], CancellationToken.None);
        await writer.CloseAsync(StageOutcome.Completed, CancellationToken.None);
        return Assert.Single(logs.GetSnapshot()).Message;
    }

    private static double ParsePythonValue(string value) => value switch
    {
        "nan" => BitConverter.Int64BitsToDouble(0x7FF8_0000_0000_0000),
        "-nan" => BitConverter.Int64BitsToDouble(unchecked((long)0xFFF8_0000_0000_0000)),
        "inf" => double.PositiveInfinity,
        "-inf" => double.NegativeInfinity,
        _ => double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture),
    };
}
