using Jaqmc.Cli;

namespace Jaqmc.Tests.Cli;

/// <summary><c>stage_starts.csv</c>, the record of every stage beginning that the dashboard draws as resume markers.</summary>
public sealed class StageStartsFileTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private readonly string _directory = Directory.CreateTempSubdirectory("jaqmc-stage-starts-").FullName;

    private string PathOfFile => Path.Combine(_directory, StageStartsFile.FileName);

    [Fact]
    public async Task AfterALastLineTornByACrash_TheNextBeginningIsStillRead()
    {
        await StageStartsFile.AppendAsync(_directory, "train", 0, Now, CancellationToken.None);
        await File.AppendAllTextAsync(PathOfFile, "train,4");

        await StageStartsFile.AppendAsync(_directory, "train", 40, Now, CancellationToken.None);

        Assert.Equal([0L, 40L], StageStartsFile.Read(_directory)["train"]);
    }

    [Fact]
    public async Task AnEmptyFile_GetsTheHeader_AndItsFirstBeginningIsKept()
    {
        await File.WriteAllTextAsync(PathOfFile, string.Empty);

        await StageStartsFile.AppendAsync(_directory, "evaluation", 7, Now, CancellationToken.None);

        Assert.Equal([7L], StageStartsFile.Read(_directory)["evaluation"]);
        Assert.StartsWith("stage,initial_step,started_at\n", await File.ReadAllTextAsync(PathOfFile), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnEarlierBeginning_DropsTheLaterOnes_SoAFreshRunInAReusedDirectoryStartsAgain()
    {
        foreach (var (stage, step) in new[] { ("train", 0L), ("train", 40L), ("evaluation", 0L), ("train", 70L), ("train", 55L) })
        {
            await StageStartsFile.AppendAsync(_directory, stage, step, Now, CancellationToken.None);
        }

        var afterEarlierResume = StageStartsFile.Read(_directory);
        await StageStartsFile.AppendAsync(_directory, "train", 0, Now, CancellationToken.None);
        var afterFreshRun = StageStartsFile.Read(_directory);

        Assert.Equal([0L, 40L, 55L], afterEarlierResume["train"]);
        Assert.Equal([0L], afterEarlierResume["evaluation"]);
        Assert.Equal([0L], afterFreshRun["train"]);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
