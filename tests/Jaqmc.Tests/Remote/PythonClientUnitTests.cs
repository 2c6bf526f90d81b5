using System.Diagnostics;

namespace Jaqmc.Tests.Remote;

/// <summary>
/// clients/python/tests (unittest, against a stand-in server): to_scalar, batching, NaN/±inf encoding, the token,
/// an outage logged once with the data kept, a full queue dropping and counting without waiting, close's timeout.
/// Fails when /usr/bin/python3 is missing.
/// </summary>
public sealed class PythonClientUnitTests
{
    [Fact]
    public async Task PythonClientsUnitTests_Pass()
    {
        Assert.True(File.Exists(PythonProcess.Python), $"{PythonProcess.Python} is missing: the Python client's tests need it (apt-get install python3)");
        var info = new ProcessStartInfo(PythonProcess.Python, ["-m", "unittest", "discover", "-s", "tests", "-v"])
        {
            WorkingDirectory = PythonProcess.ClientDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        var output = await stderr + await stdout;

        Assert.True(process.ExitCode == 0, output);
        Assert.Contains("Ran 7 tests", output, StringComparison.Ordinal);
    }
}
