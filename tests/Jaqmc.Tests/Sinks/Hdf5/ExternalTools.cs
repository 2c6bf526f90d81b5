using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Jaqmc.Tests.Sinks.Hdf5;

/// <summary>
/// Runs the reference readers (the system Python with h5py, and h5dump). These tests exist to prove files are
/// readable by other tools, so a missing tool fails the test with the packages to install instead of skipping it.
/// </summary>
internal static class ExternalTools
{
    /// <summary>The system interpreter: python3-h5py is packaged for it, not for a pyenv python on PATH.</summary>
    public const string Python = "/usr/bin/python3";

    public const string AptHint = "install the HDF5 test tools: apt-get install -y libhdf5-103-1 hdf5-tools python3-h5py";

    /// <summary>
    /// Python that prints a JSON description of a statistics file: per dataset its length, <c>key</c> attribute
    /// and values as IEEE bit patterns (exact, NaN-safe), plus the file attributes.
    /// </summary>
    private const string DumpScript = """
        import json, struct, sys
        import h5py
        out = {"datasets": {}, "attrs": {}}
        with h5py.File(sys.argv[1], "r") as f:
            for name, value in f.attrs.items():
                out["attrs"][name] = value.decode() if isinstance(value, bytes) else (value if isinstance(value, str) else int(value))
            for name in f:
                d = f[name]
                if d.dtype.kind == "f":
                    bits = [struct.unpack("<q", struct.pack("<d", float(v)))[0] for v in d[()]]
                else:
                    bits = [int(v) for v in d[()]]
                key = d.attrs.get("key")
                out["datasets"][name] = {"length": d.shape[0], "maxshape": d.maxshape[0], "dtype": str(d.dtype), "chunks": d.chunks[0] if d.chunks else None, "key": key, "values": bits}
        print(json.dumps(out))
        """;

    /// <summary>Reads a statistics file with h5py in a separate process.</summary>
    public static H5pyFile ReadWithH5py(string path)
    {
        var json = RunPython(DumpScript, path);
        using var document = JsonDocument.Parse(json);
        var datasets = new Dictionary<string, H5pyDataset>(StringComparer.Ordinal);
        foreach (var property in document.RootElement.GetProperty("datasets").EnumerateObject())
        {
            var d = property.Value;
            var isFloat = d.GetProperty("dtype").GetString() == "float64";
            var raw = d.GetProperty("values").EnumerateArray().Select(v => v.GetInt64()).ToArray();
            datasets[property.Name] = new H5pyDataset(
                property.Name,
                d.GetProperty("key").ValueKind == JsonValueKind.String ? d.GetProperty("key").GetString() : null,
                d.GetProperty("dtype").GetString()!,
                d.GetProperty("length").GetInt64(),
                d.GetProperty("maxshape").ValueKind == JsonValueKind.Null ? null : d.GetProperty("maxshape").GetInt64(),
                isFloat ? raw.Select(BitConverter.Int64BitsToDouble).ToArray() : [],
                isFloat ? [] : raw);
        }

        var attrs = document.RootElement.GetProperty("attrs").EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.ToString(), StringComparer.Ordinal);
        return new H5pyFile(datasets, attrs);
    }

    /// <summary>Runs a Python script with the system interpreter and h5py; returns its standard output.</summary>
    public static string RunPython(string script, params string[] args)
    {
        if (!File.Exists(Python))
        {
            Assert.Fail($"{Python} is missing: {AptHint}");
        }

        var (code, stdout, stderr) = Run(Python, ["-c", script, .. args]);
        if (stderr.Contains("No module named 'h5py'", StringComparison.Ordinal))
        {
            Assert.Fail($"h5py is missing for {Python}: {AptHint}");
        }

        if (code != 0)
        {
            Assert.Fail($"python3 exited with {code}: {stderr}");
        }

        return stdout;
    }

    /// <summary>Runs h5dump with <paramref name="args"/>; returns its standard output.</summary>
    public static string RunH5dump(params string[] args)
    {
        var h5dump = new[] { "/usr/bin/h5dump", "/usr/local/bin/h5dump" }.FirstOrDefault(File.Exists);
        if (h5dump is null)
        {
            Assert.Fail($"h5dump is missing: {AptHint}");
        }

        var (code, stdout, stderr) = Run(h5dump, args);
        if (code != 0)
        {
            Assert.Fail($"h5dump exited with {code}: {stderr}{stdout}");
        }

        return stdout;
    }

    public static (int ExitCode, string Stdout, string Stderr) Run(string fileName, IEnumerable<string> args, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        // Readers must open a file the writer holds without locks; make sure no inherited setting hides a problem.
        info.Environment.Remove("HDF5_USE_FILE_LOCKING");
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{fileName} did not finish in time.");
        }

        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
