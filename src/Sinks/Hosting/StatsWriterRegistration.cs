using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Jaqmc.Sinks.Hosting;

/// <summary>
/// A writer known to the pipeline: its name (the configuration section under <c>Writers</c>), its options and a
/// factory that creates a fresh instance for each stage.
/// </summary>
internal sealed class StatsWriterRegistration
{
    private readonly Func<IServiceProvider, WriterOptions> _options;
    private readonly Func<IServiceProvider, IStatsWriter> _create;

    internal StatsWriterRegistration(
        string name,
        Type writerType,
        Type optionsType,
        Func<IServiceProvider, WriterOptions> options,
        Func<IServiceProvider, IStatsWriter> create)
    {
        Name = name;
        WriterType = writerType;
        OptionsType = optionsType;
        _options = options;
        _create = create;
    }

    /// <summary>The writer's name, also its section <c>Writers:&lt;Name&gt;</c>.</summary>
    public string Name { get; }

    /// <summary>The writer's type.</summary>
    public Type WriterType { get; }

    /// <summary>The writer's options type.</summary>
    public Type OptionsType { get; }

    /// <summary>The writer's validated options.</summary>
    public WriterOptions GetOptions(IServiceProvider services) => _options(services);

    /// <summary>Creates a writer instance for one stage.</summary>
    public IStatsWriter Create(IServiceProvider services) => _create(services);

    internal static StatsWriterRegistration For<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TWriter, TOptions>(string name)
        where TWriter : class, IStatsWriter
        where TOptions : WriterOptions, new() =>
        new(
            name,
            typeof(TWriter),
            typeof(TOptions),
            sp => sp.GetRequiredService<IOptionsMonitor<TOptions>>().Get(name),
            sp => ActivatorUtilities.CreateInstance<TWriter>(sp, sp.GetRequiredService<IOptionsMonitor<TOptions>>().Get(name)));
}
