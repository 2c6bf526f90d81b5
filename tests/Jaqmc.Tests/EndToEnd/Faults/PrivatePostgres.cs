using System.Diagnostics;

namespace Jaqmc.Tests.EndToEnd.Faults;

/// <summary>
/// A PostgreSQL server of the test's own (<c>scripts/test-postgres.sh start</c> in a fresh directory), so a test can
/// stop and start it without disturbing the shared server other tests use at the same time.
/// </summary>
internal sealed class PrivatePostgres : IAsyncDisposable
{
    private readonly string _stateFile;

    private PrivatePostgres(string stateFile, string connectionString, string dataDirectory, string pgCtl)
    {
        _stateFile = stateFile;
        ConnectionString = connectionString;
        DataDirectory = dataDirectory;
        PgCtl = pgCtl;
    }

    public string ConnectionString { get; }

    public string DataDirectory { get; }

    public string PgCtl { get; }

    public static async Task<PrivatePostgres> StartAsync()
    {
        var state = Path.Combine(Path.GetTempPath(), "jaqmc-faults-pg-" + Guid.NewGuid().ToString("N") + ".state");
        var (code, stdout, stderr) = await RunAsync("bash", [Path.Combine(JaqmcProcess.RepositoryRoot, "scripts", "test-postgres.sh"), "start"], new() { ["TEST_POSTGRES_STATE"] = state });
        if (code != 0)
        {
            Assert.Fail($"The outage tests start a PostgreSQL server of their own with scripts/test-postgres.sh start, which failed ({code}); " +
                        $"it needs PostgreSQL server binaries (apt-get install postgresql), or root or sudo to install them:\n{stderr}");
        }

        string Value(string name) =>
            stdout.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith($"export {name}=", StringComparison.Ordinal)) is { } line
                ? line[(line.IndexOf('=', StringComparison.Ordinal) + 1)..].Trim('\'')
                : throw new InvalidOperationException($"scripts/test-postgres.sh printed no {name}");

        return new PrivatePostgres(state, Value("TEST_POSTGRES_CONNECTION"), Value("TEST_POSTGRES_DATADIR"), Value("TEST_POSTGRES_PGCTL"));
    }

    /// <summary>Stops the server at once (<c>pg_ctl stop -m fast</c>: sessions are cut, as in a crash of the host).</summary>
    public Task StopAsync() => PgCtlAsync("-m", "fast", "stop");

    public Task StartAgainAsync() => PgCtlAsync("start");

    public async ValueTask DisposeAsync()
    {
        await RunAsync("bash", [Path.Combine(JaqmcProcess.RepositoryRoot, "scripts", "test-postgres.sh"), "stop"], new() { ["TEST_POSTGRES_DATADIR"] = DataDirectory, ["TEST_POSTGRES_STATE"] = _stateFile });
        File.Delete(_stateFile);
    }

    private async Task PgCtlAsync(params string[] args)
    {
        var (code, stdout, stderr) = await RunAsync(PgCtl, args, []);
        Assert.True(code == 0, $"pg_ctl {string.Join(' ', args)} failed ({code}): {stdout}{stderr}");
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string file, string[] args, Dictionary<string, string> environment)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        // The shared server's variables must not steer the script to it.
        info.Environment.Remove("TEST_POSTGRES_DATADIR");
        foreach (var (k, v) in environment)
        {
            info.Environment[k] = v;
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout, await stderr);
    }
}
