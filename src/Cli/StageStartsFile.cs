using System.Globalization;
using System.Text;

namespace Jaqmc.Cli;

/// <summary>
/// <c>stage_starts.csv</c> in a run's working directory: one line per time a stage began (<c>stage,initial_step,started_at</c>),
/// appended by <c>jaqmc train</c>, so the dashboard can mark every restart of a stage. Nothing else in a run directory
/// records them all: checkpoints are pruned, the statistics files are cut back to the resume step, and
/// <c>run.json</c> holds only the configuration.
/// </summary>
internal static class StageStartsFile
{
    /// <summary>The file's name.</summary>
    public const string FileName = "stage_starts.csv";

    private const string Header = "stage,initial_step,started_at";

    private static readonly UTF8Encoding NoBom = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Appends that <paramref name="stage"/> began at <paramref name="initialStep"/> now (with the header if the file is new).</summary>
    public static async Task AppendAsync(string directory, string stage, long initialStep, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var path = Path.Combine(directory, FileName);
        var line = string.Create(CultureInfo.InvariantCulture, $"{stage},{initialStep},{now.UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffZ}\n");
        var length = File.Exists(path) ? new FileInfo(path).Length : 0;
        // An empty file gets the header; a last line torn by a crash is ended first, so this line stays a line of its own.
        var prefix = length == 0 ? Header + "\n" : EndsWithNewline(path, length) ? string.Empty : "\n";
        await File.AppendAllTextAsync(path, prefix + line, NoBom, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Per stage, the initial step of each time it began that still shapes its rows, in order; empty when the file
    /// does not exist. A beginning at step k discards the rows at or after k, so it also drops the earlier
    /// beginnings at or after k: a resume from an older checkpoint keeps only the restarts before it, and a fresh
    /// run in a reused directory (k = 0) starts the list again. Lines that do not parse (a torn last line) are skipped.
    /// </summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<long>> Read(string directory)
    {
        var starts = new Dictionary<string, List<long>>(StringComparer.Ordinal);
        var path = Path.Combine(directory, FileName);
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return new Dictionary<string, IReadOnlyList<long>>(StringComparer.Ordinal);
        }

        foreach (var line in lines.SkipWhile(l => l == Header))
        {
            var fields = line.Split(',');
            if (fields.Length == 3 && fields[0].Length > 0 && long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var step))
            {
                var list = starts.TryGetValue(fields[0], out var known) ? known : starts[fields[0]] = [];
                list.RemoveAll(earlier => earlier >= step);
                list.Add(step);
            }
        }

        return starts.ToDictionary(p => p.Key, p => (IReadOnlyList<long>)p.Value, StringComparer.Ordinal);
    }

    private static bool EndsWithNewline(string path, long length)
    {
        using var file = File.OpenRead(path);
        file.Position = length - 1;
        return file.ReadByte() == '\n';
    }
}
