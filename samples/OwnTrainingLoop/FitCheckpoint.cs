using System.Text.Json;
using System.Text.Json.Serialization;

namespace Jaqmc.Samples.OwnTrainingLoop;

/// <summary>
/// Everything a resumed run needs to continue bit for bit: the last completed step, the parameters after it and the
/// random generator's state. One small JSON file, replaced atomically.
/// </summary>
/// <param name="Step">The last completed step (-1: nothing done yet).</param>
/// <param name="Parameters">The parameters after that step.</param>
/// <param name="RandomState">The minibatch generator's state after that step.</param>
public sealed record FitCheckpoint(long Step, double[] Parameters, ulong RandomState)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        // Doubles are written in their shortest round-trip form, so they read back to the same bits (NaN included).
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        WriteIndented = true,
    };

    /// <summary>Reads the checkpoint at <paramref name="path"/>, or returns null when there is none.</summary>
    public static FitCheckpoint? Load(string path) =>
        File.Exists(path)
            ? JsonSerializer.Deserialize<FitCheckpoint>(File.ReadAllBytes(path), Json)
              ?? throw new InvalidDataException($"Checkpoint '{path}' is empty.")
            : null;

    /// <summary>
    /// Saves the checkpoint atomically: a temporary file, fsync, then a rename over the old one. A crash at any
    /// moment leaves either the old checkpoint or the new one, never half a file.
    /// </summary>
    public void Save(string path)
    {
        var temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(stream, this, Json);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
