using System.Globalization;

namespace Jaqmc.Tests.EndToEnd.Faults;

/// <summary>What a running program has written so far, read without disturbing it.</summary>
internal static class RunFiles
{
    /// <summary>Data rows of <c>{stage}_stats.csv</c> (0 when it does not exist yet).</summary>
    public static int CsvRows(string directory, string stage = "train")
    {
        var path = Path.Combine(directory, $"{stage}_stats.csv");
        if (!File.Exists(path))
        {
            return 0;
        }

        // Shared read: the writer has the file open.
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
        var buffer = new byte[1 << 16];
        var count = 0;
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            count += buffer.AsSpan(0, read).Count((byte)'\n');
        }

        return Math.Max(0, count - 1);
    }

    /// <summary>The step of the newest checkpoint of <paramref name="stage"/>, or -1.</summary>
    public static long NewestCheckpoint(string directory, string stage = "train") =>
        Directory.Exists(directory)
            ? Directory.GetFiles(directory, $"{stage}_ckpt_*")
                .Select(f => Path.GetFileName(f)[$"{stage}_ckpt_".Length..])
                .Select(s => long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var step) ? step : -1)
                .DefaultIfEmpty(-1)
                .Max()
            : -1;

    /// <summary>The spool's segment files left in a run directory.</summary>
    public static string[] SpoolSegments(string directory)
    {
        var spool = Path.Combine(directory, "spool", "Postgres");
        return Directory.Exists(spool) ? Directory.GetFiles(spool, "*.seg") : [];
    }
}
