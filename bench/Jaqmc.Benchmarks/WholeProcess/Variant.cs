namespace Jaqmc.Benchmarks.WholeProcess;

/// <summary>
/// A build of the program and the environment it runs in; the whole-process command measures each variant's pairs
/// interleaved with the others', so their figures share the machine's drift.
/// </summary>
/// <param name="Label">How the report names it.</param>
/// <param name="Dll">The <c>jaqmc.dll</c> to run with <c>dotnet</c>, or a native <c>jaqmc</c> executable (scripts/build-native.sh).</param>
/// <param name="Environment">Variables set for its processes (on top of the command's <c>--env</c>).</param>
internal sealed record Variant(string Label, string Dll, IReadOnlyDictionary<string, string> Environment)
{
    /// <summary>Each side's pairs: (writers off, writers on).</summary>
    public List<(RunTiming Off, RunTiming On)> Pairs { get; } = [];
}
