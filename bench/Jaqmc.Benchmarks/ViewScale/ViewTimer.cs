using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace Jaqmc.Benchmarks.ViewScale;

/// <summary>
/// Medians of repeated SQL queries (every row read) and of whole jaqmc commands (spawn to exit), of one or more
/// builds of jaqmc side by side (their runs interleaved, so load from elsewhere falls on each alike).
/// </summary>
internal sealed class ViewTimer(NpgsqlDataSource source, int repeats, IReadOnlyList<string> jaqmcDlls, string connectionString)
{
    /// <summary>
    /// Runs <paramref name="sql"/> once untimed, then <c>repeats</c> times with the parameters of each repetition;
    /// returns the median in milliseconds and the rows of the last run.
    /// </summary>
    public async Task<(double Ms, long Rows)> QueryAsync(string sql, Func<int, object[]> parameters)
    {
        await RunAsync(sql, parameters(-1));
        var times = new List<double>();
        long rows = 0;
        for (var i = 0; i < repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            rows = await RunAsync(sql, parameters(i));
            times.Add(clock.Elapsed.TotalMilliseconds);
        }

        return (CommandHelpers.Median(times), rows);
    }

    private async Task<long> RunAsync(string sql, object[] parameters)
    {
        await using var command = source.CreateCommand(sql);
        command.CommandTimeout = 0;
        foreach (var p in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = p });
        }

        await using var reader = await command.ExecuteReaderAsync();
        long rows = 0;
        while (await reader.ReadAsync())
        {
            rows++;
        }

        return rows;
    }

    /// <summary>
    /// Runs <c>jaqmc <paramref name="args"/></c> of each build once untimed, then <c>repeats</c> times, the builds in
    /// turn; returns, per build in the order given, the median wall time and CPU time (user + system) in
    /// milliseconds and the largest peak resident memory in MB (from /usr/bin/time).
    /// </summary>
    public async Task<IReadOnlyList<(double Ms, double CpuMs, double PeakMb)>> CommandAsync(string schema, string workingDirectory, params string[] args)
    {
        foreach (var dll in jaqmcDlls)
        {
            await RunJaqmcAsync(dll, schema, workingDirectory, args);
        }

        var runs = jaqmcDlls.Select(_ => new List<(double Ms, double CpuMs, double PeakMb)>()).ToArray();
        for (var i = 0; i < repeats; i++)
        {
            for (var d = 0; d < jaqmcDlls.Count; d++)
            {
                runs[d].Add(await RunJaqmcAsync(jaqmcDlls[d], schema, workingDirectory, args));
            }
        }

        return [.. runs.Select(r => (CommandHelpers.Median(r.Select(x => x.Ms)), CommandHelpers.Median(r.Select(x => x.CpuMs)), r.Max(x => x.PeakMb)))];
    }

    /// <summary>Runs <c>jaqmc <paramref name="args"/></c> of the last build once (a command whose output may exist only once).</summary>
    public Task<(double Ms, double CpuMs, double PeakMb)> CommandOnceAsync(string schema, string workingDirectory, params string[] args) =>
        RunJaqmcAsync(jaqmcDlls[^1], schema, workingDirectory, args);

    private async Task<(double Ms, double CpuMs, double PeakMb)> RunJaqmcAsync(string jaqmcDll, string schema, string workingDirectory, string[] args)
    {
        var info = new ProcessStartInfo("/usr/bin/time")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in (string[])["-f", "peak-kb %M %U %S", .. CommandHelpers.JaqmcCommand(jaqmcDll), .. args, "-c", connectionString])
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["JAQMC_Writers__Postgres__Schema"] = schema;
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var elapsed = clock.Elapsed.TotalMilliseconds;
        var stderr = await error;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"jaqmc {string.Join(' ', args)} failed ({process.ExitCode}): {await output}{stderr}");
        }

        var fields = stderr.Split('\n').Last(l => l.StartsWith("peak-kb ", StringComparison.Ordinal)).Split(' ');
        double Field(int i) => double.Parse(fields[i], CultureInfo.InvariantCulture);
        return (elapsed, (Field(2) + Field(3)) * 1000, Field(1) / 1024);
    }
}
