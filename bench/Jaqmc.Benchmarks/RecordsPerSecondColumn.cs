using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Jaqmc.Benchmarks;

/// <summary>A column with records per second: a fixed number of records per operation divided by the median.</summary>
public sealed class RecordsPerSecondColumn : IColumn
{
    private readonly int _recordsPerOperation;

    public RecordsPerSecondColumn(int recordsPerOperation) => _recordsPerOperation = recordsPerOperation;

    public string Id => nameof(RecordsPerSecondColumn);

    public string ColumnName => "Records/s (median)";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => $"{_recordsPerOperation:N0} records per operation / median time";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var statistics = summary[benchmarkCase]?.ResultStatistics;
        return statistics is null ? "-" : (_recordsPerOperation / (statistics.Median / 1e9)).ToString("N0", System.Globalization.CultureInfo.InvariantCulture);
    }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}
