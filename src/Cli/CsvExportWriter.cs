using Jaqmc.Sinks;
using Jaqmc.Sinks.Csv;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jaqmc.Cli;

/// <summary>
/// Writes one stage as <c>{stage}_stats.csv</c> through the CSV writer itself, step by step as the rows arrive, so
/// the file is exactly what a run with the CSV writer would have written and memory stays flat.
/// </summary>
internal sealed class CsvExportWriter : IAsyncDisposable
{
    private const int BatchSize = 4096;

    private readonly CsvStatsWriter _writer;
    private readonly string _stage;
    private readonly IReadOnlyList<string> _keys;
    private readonly bool[] _seen;
    private readonly List<int> _present;
    private List<StatsRecord> _batch = new(BatchSize);
    private StatsKeys? _layout;

    private CsvExportWriter(CsvStatsWriter writer, string path, string stage, IReadOnlyList<string> keys)
    {
        _writer = writer;
        Path = path;
        _stage = stage;
        _keys = keys;
        _seen = new bool[keys.Count];
        _present = new List<int>(keys.Count);
    }

    /// <summary>The file being written.</summary>
    public string Path { get; }

    /// <summary>The rows written so far.</summary>
    public long Rows { get; private set; }

    /// <summary>Opens <c>{stage}_stats.csv</c> in <paramref name="directory"/>; an existing file is an error, never overwritten.</summary>
    public static async Task<CsvExportWriter> OpenAsync(string directory, string stage, string runName, IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        var options = new CsvWriterOptions();
        var target = StagePath.Resolve(options.PathTemplate, directory, stage);
        if (File.Exists(target))
        {
            throw new CliException($"{target} already exists; choose another directory with -o");
        }

        var writer = new CsvStatsWriter(options, NullLogger<CsvStatsWriter>.Instance);
        await writer.OpenAsync(new WriterContext(directory, stage, 0, runName), cancellationToken).ConfigureAwait(false);
        return new CsvExportWriter(writer, target, stage, keys);
    }

    /// <summary>Writes one step; <paramref name="values"/> follow the keys given at opening, NaN where a key has none.</summary>
    public async Task WriteStepAsync(long step, double[] values, CancellationToken cancellationToken)
    {
        // A key is absent from the rows before its first value (HDF5 and PostgreSQL read NaN there), so the CSV
        // writer widens its header where the key really appeared; after that a NaN is a real NaN.
        _present.Clear();
        for (var k = 0; k < _keys.Count; k++)
        {
            _seen[k] |= !double.IsNaN(values[k]);
            if (_seen[k])
            {
                _present.Add(k);
            }
        }

        if (_layout is null || _layout.Count != _present.Count)
        {
            _layout = new StatsKeys(_present.Select(k => _keys[k]));
        }

        _batch.Add(new StatsRecord(_stage, step, _layout, _present.Select(k => values[k]).ToArray()));
        Rows++;
        if (_batch.Count == BatchSize)
        {
            await _writer.WriteAsync(_batch, cancellationToken).ConfigureAwait(false);
            _batch = new List<StatsRecord>(BatchSize);
        }
    }

    /// <summary>Writes what is left and closes the file.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        if (_batch.Count > 0)
        {
            await _writer.WriteAsync(_batch, cancellationToken).ConfigureAwait(false);
            _batch = [];
        }

        await _writer.CloseAsync(StageOutcome.Completed, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => _writer.DisposeAsync();
}
