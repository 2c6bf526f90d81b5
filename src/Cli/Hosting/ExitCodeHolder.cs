namespace Jaqmc.Cli.Hosting;

/// <summary>The exit code the program returns; the worst code set wins.</summary>
internal sealed class ExitCodeHolder
{
    private int _code;

    public int Code => Volatile.Read(ref _code);

    public void Set(int code)
    {
        if (code != ExitCodes.Success && Code == ExitCodes.Success)
        {
            Volatile.Write(ref _code, code);
        }
    }
}
