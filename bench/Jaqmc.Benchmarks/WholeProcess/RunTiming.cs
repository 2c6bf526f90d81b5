namespace Jaqmc.Benchmarks.WholeProcess;

/// <summary>
/// One whole process: seconds from spawn to exit, the CPU seconds it used (user + system), and with
/// <c>--threads</c> the CPU milliseconds per thread name.
/// </summary>
internal readonly record struct RunTiming(double Wall, double Cpu, Dictionary<string, double>? Threads = null);
