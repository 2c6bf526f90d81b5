namespace Jaqmc.Benchmarks.WholeProcess;

/// <summary>One whole process: seconds from spawn to exit, and the CPU seconds it used (user + system).</summary>
internal readonly record struct RunTiming(double Wall, double Cpu);
