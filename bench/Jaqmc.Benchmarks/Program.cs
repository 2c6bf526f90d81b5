namespace Jaqmc.Benchmarks;

internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        if (args is ["duty-cycle", ..])
        {
            return await DutyCycleCommand.RunAsync(args[1..]);
        }

        if (args is ["whole-process", ..])
        {
            return await WholeProcess.WholeProcessCommand.RunAsync(args[1..]);
        }

        if (args is ["remote-client", ..])
        {
            return await RemoteClientCommand.RunAsync(args[1..]);
        }

        if (args is ["remote-protocols", ..])
        {
            return await RemoteProtocols.RemoteProtocolsCommand.RunAsync(args[1..]);
        }

        if (args is ["view-scale", ..])
        {
            return await ViewScale.ViewScaleCommand.RunAsync(args[1..]);
        }

        if (args is ["dashboard-live", ..])
        {
            return await Dashboard.DashboardLiveCommand.RunAsync(args[1..]);
        }

        if (args is ["dashboard-viewer-swarm", ..])
        {
            return await Dashboard.DashboardViewersCommand.SwarmAsync(args);
        }

        if (args is ["dashboard-viewers", ..])
        {
            return await Dashboard.DashboardViewersCommand.RunAsync(args[1..]);
        }

        if (args is ["recording-cost", ..])
        {
            return await RecordingCostCommand.RunAsync(args[1..]);
        }

        if (args is ["spool", ..])
        {
            return await SpoolCommand.RunAsync(args[1..]);
        }

        BenchmarkDotNet.Running.BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
