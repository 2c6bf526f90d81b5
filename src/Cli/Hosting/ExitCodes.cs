namespace Jaqmc.Cli.Hosting;

/// <summary>The program's exit codes (documented in the README).</summary>
public static class ExitCodes
{
    /// <summary>Done, or stopped gracefully (Ctrl+C/SIGTERM) with everything written and a checkpoint saved.</summary>
    public const int Success = 0;

    /// <summary>An unexpected error.</summary>
    public const int Error = 1;

    /// <summary>
    /// The configuration is invalid (the message names the setting, the rule and the value given), including
    /// <c>Writers:Hdf5:Enabled=true</c> without the HDF5 C library; nothing ran.
    /// </summary>
    public const int Configuration = 2;

    /// <summary>A writer failed permanently, or a checkpoint could not be written (disk full); the run stopped and resumes from its last checkpoint.</summary>
    public const int WriterFailed = 3;

    /// <summary>Training failed (for example the energy became NaN); a checkpoint was saved.</summary>
    public const int TrainingFailed = 4;
}
