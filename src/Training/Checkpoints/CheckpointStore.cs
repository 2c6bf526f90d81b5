using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Jaqmc.Training.Checkpoints;

/// <summary>
/// The checkpoints of one run directory, named <c>{stage}_ckpt_{step:D6}</c> as JaQMC names them. Saves are atomic
/// (temporary file, fsync, rename), so a crash leaves either the old set or the new file, never half a file.
/// </summary>
internal sealed class CheckpointStore
{
    private const string Infix = "_ckpt_";
    private const string TemporarySuffix = ".tmp";

    private readonly string _directory;
    private readonly int _keep;
    private readonly ILogger _logger;

    /// <summary>Creates a store over <paramref name="directory"/>, keeping the newest <paramref name="keep"/> per stage.</summary>
    public CheckpointStore(string directory, int keep, ILogger logger)
    {
        _directory = directory;
        _keep = keep;
        _logger = logger;
    }

    /// <summary>The file name of a checkpoint.</summary>
    public static string FileName(string stage, long step) =>
        string.Create(CultureInfo.InvariantCulture, $"{stage}{Infix}{step:D6}");

    /// <summary>The checkpoints of <paramref name="stage"/> on disk, newest first.</summary>
    public IReadOnlyList<(long Step, string Path)> List(string stage)
    {
        if (!Directory.Exists(_directory))
        {
            return [];
        }

        var prefix = stage + Infix;
        var found = new List<(long, string)>();
        foreach (var path in Directory.EnumerateFiles(_directory, prefix + "*"))
        {
            var name = Path.GetFileName(path);
            var digits = name.AsSpan(prefix.Length);

            // Strictly digits: temporary files and anything else that merely shares the prefix are not checkpoints.
            if (digits.Length >= 6 && !digits.ContainsAnyExceptInRange('0', '9')
                && long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var step))
            {
                found.Add((step, path));
            }
        }

        found.Sort((a, b) => b.Item1.CompareTo(a.Item1));
        return found;
    }

    /// <summary>
    /// Loads the newest checkpoint of <paramref name="stage"/> that reads back intact; a damaged newer one is
    /// reported as a warning and skipped. Returns null when there is none.
    /// </summary>
    public async Task<VmcState?> LoadNewestAsync(string stage, CancellationToken cancellationToken)
    {
        foreach (var (step, path) in List(stage))
        {
            try
            {
                var data = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
                var (storedStage, state) = CheckpointSerializer.Deserialize(data);
                if (storedStage != stage || state.Step != step)
                {
                    throw new InvalidDataException(
                        $"File holds stage '{storedStage}' step {state.Step}, not what its name says.");
                }

                return state;
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException or EndOfStreamException or UnauthorizedAccessException)
            {
                TrainingLog.UnreadableCheckpoint(_logger, path, ex.Message, ex);
            }
        }

        return null;
    }

    /// <summary>Saves <paramref name="state"/> as the checkpoint of its step, then deletes the oldest beyond the limit.</summary>
    public async Task SaveAsync(string stage, VmcState state, CancellationToken cancellationToken)
    {
        var prepared = await PrepareAsync(stage, state, cancellationToken).ConfigureAwait(false);
        Commit(prepared);
    }

    /// <summary>
    /// Writes and fsyncs the checkpoint of <paramref name="state"/>'s step under a temporary name: the part of a save
    /// that can fail (a full disk). <see cref="Commit"/> puts it in place; <see cref="Discard"/> drops it.
    /// </summary>
    public async Task<PreparedCheckpoint> PrepareAsync(string stage, VmcState state, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_directory);
        var data = CheckpointSerializer.Serialize(stage, state);
        var path = Path.Combine(_directory, FileName(stage, state.Step));
        var prepared = new PreparedCheckpoint(stage, path + TemporarySuffix, path);
        try
        {
            var stream = new FileStream(prepared.TemporaryPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            await using (stream.ConfigureAwait(false))
            {
                await stream.WriteAsync(data, cancellationToken).ConfigureAwait(false);

                // fsync before the rename: otherwise a power cut could leave the new name pointing at unwritten blocks.
                stream.Flush(flushToDisk: true);
            }
        }
        catch
        {
            // A half-written temporary is never taken for a checkpoint, but on a full disk it holds the space that the
            // next attempt (after the user freed some) needs.
            Discard(prepared);
            throw;
        }

        return prepared;
    }

    /// <summary>Renames a prepared checkpoint into place, then deletes the oldest beyond the limit.</summary>
    public void Commit(PreparedCheckpoint prepared)
    {
        // rename(2) replaces atomically. The directory entry itself is not fsynced (.NET cannot open a directory
        // handle); after a power cut the rename may be lost, which leaves the previous checkpoint: still consistent.
        File.Move(prepared.TemporaryPath, prepared.Path, overwrite: true);
        TrainingLog.CheckpointSaved(_logger, prepared.Path);
        Prune(prepared.Stage);
    }

    /// <summary>Deletes a prepared checkpoint that will not be committed.</summary>
    public static void Discard(PreparedCheckpoint prepared)
    {
        try
        {
            File.Delete(prepared.TemporaryPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: the error that led here is the one to report.
        }
    }

    private void Prune(string stage)
    {
        // A temporary of this stage that is still here was prepared by a process killed before its commit: the
        // checkpoint just committed supersedes it, and it holds as much disk as a checkpoint.
        foreach (var temporary in Directory.EnumerateFiles(_directory, stage + Infix + "*" + TemporarySuffix))
        {
            try
            {
                File.Delete(temporary);
            }
            catch (IOException ex)
            {
                TrainingLog.PruneFailed(_logger, temporary, ex);
            }
        }

        var all = List(stage);
        for (var i = _keep; i < all.Count; i++)
        {
            try
            {
                File.Delete(all[i].Path);
            }
            catch (IOException ex)
            {
                // A leftover old checkpoint costs disk space only; the next save tries again.
                TrainingLog.PruneFailed(_logger, all[i].Path, ex);
            }
        }
    }
}
