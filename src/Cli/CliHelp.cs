using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine;

namespace Jaqmc.Cli;

/// <summary>Adds an "Examples:" section to each verb's <c>--help</c> (System.CommandLine has none of its own).</summary>
internal sealed class CliHelp
{
    private readonly Dictionary<Command, string[]> _examples = [];

    /// <summary>Sets the examples shown in <paramref name="command"/>'s help.</summary>
    public void Examples(Command command, params string[] examples) => _examples[command] = examples;

    /// <summary>Makes the help option print the examples after the default help.</summary>
    public void Install(RootCommand root)
    {
        foreach (var option in root.Options.OfType<HelpOption>())
        {
            if (option.Action is HelpAction original)
            {
                option.Action = new ExamplesAction(original, _examples);
            }
        }
    }

    private sealed class ExamplesAction(HelpAction help, Dictionary<Command, string[]> examples) : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            var code = help.Invoke(parseResult);
            if (examples.TryGetValue(parseResult.CommandResult.Command, out var lines))
            {
                var output = parseResult.InvocationConfiguration.Output;
                output.WriteLine("Examples:");
                foreach (var line in lines)
                {
                    output.WriteLine("  " + line);
                }

                output.WriteLine();
            }

            return code;
        }
    }
}
