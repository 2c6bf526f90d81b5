namespace Jaqmc.Tests.Samples;

/// <summary>One uninterrupted run of the sample, which the interrupted and resumed runs must equal.</summary>
public sealed class OwnTrainingLoopReference : IAsyncLifetime
{
    public string Directory { get; } = OwnTrainingLoopSample.NewDirectory("reference");

    public string Stdout { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        using var p = await OwnTrainingLoopSample.RunToCompletionAsync(Directory);
        Stdout = p.Stdout;
    }

    public Task DisposeAsync()
    {
        System.IO.Directory.Delete(Directory, recursive: true);
        return Task.CompletedTask;
    }
}
