namespace Jaqmc.Sinks.Csv;

/// <summary>Settings of the CSV writer (<c>Writers:Csv</c>).</summary>
public sealed class CsvWriterOptions : FileWriterOptions
{
    /// <summary>Creates options with the CSV defaults: enabled, <c>{stage}_stats.csv</c>, flush at least every second.</summary>
    public CsvWriterOptions()
    {
        PathTemplate = "{stage}_stats.csv";
    }
}
