namespace Jaqmc.Tests.Dashboard;

/// <summary>One dashboard over one 50-step run directory (<c>dir:a</c>), shared by the tests that only ask it questions.</summary>
public sealed class SmallRunDashboardFixture : IAsyncLifetime
{
    public string Root { get; } = DashboardProcess.NewRoot("small");

    internal DashboardProcess Dashboard { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        SyntheticRun.Write(Path.Combine(Root, "a"), 50, seed: 1);
        Dashboard = await DashboardProcess.StartAsync([Root]);
    }

    public Task DisposeAsync()
    {
        Dashboard.Dispose();
        return Task.CompletedTask;
    }
}
