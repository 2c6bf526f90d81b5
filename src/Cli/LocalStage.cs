namespace Jaqmc.Cli;

/// <summary>The files of one stage of a <see cref="LocalRun"/>.</summary>
internal sealed class LocalStage(string name)
{
    /// <summary>The stage.</summary>
    public string Name { get; } = name;

    /// <summary><c>{stage}_stats.csv</c>, if present.</summary>
    public string? CsvPath { get; set; }

    /// <summary><c>{stage}_stats.h5</c>, if present.</summary>
    public string? Hdf5Path { get; set; }

    /// <summary><c>{stage}_stream.json</c>, when <c>jaqmc serve</c> wrote the stage (see <see cref="Serve.StreamStateFile"/>).</summary>
    public string? StreamStatePath { get; set; }

    /// <summary>The checkpoints, oldest first.</summary>
    public List<(long Step, string Path)> Checkpoints { get; } = [];

    /// <summary>Whether a stats file exists.</summary>
    public bool HasStats => CsvPath is not null || Hdf5Path is not null;

    /// <summary>Every file of the stage.</summary>
    public IEnumerable<string> Files =>
        new[] { CsvPath, Hdf5Path, StreamStatePath }.OfType<string>().Concat(Checkpoints.Select(c => c.Path));
}
