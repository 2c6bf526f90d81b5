using System.Collections;
using System.Collections.Frozen;

namespace Jaqmc.Sinks;

/// <summary>
/// An immutable, ordered set of statistic names shared by many <see cref="StatsRecord"/>s.
/// </summary>
/// <remarks>
/// A producer creates one instance per distinct set of keys (usually once per stage) and reuses it for
/// every step, so a record carries only its values. Writers may cache per-instance layouts by reference.
/// Keys are arbitrary non-empty strings: colons, spaces, commas, quotes, slashes, newlines and non-ASCII
/// characters are all allowed.
/// </remarks>
public sealed class StatsKeys : IReadOnlyList<string>
{
    private readonly string[] _names;
    private readonly FrozenDictionary<string, int> _index;

    /// <summary>Creates a key set in the given order.</summary>
    /// <exception cref="ArgumentException">A name is null or empty, or appears twice.</exception>
    public StatsKeys(IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        _names = names.ToArray();
        var index = new Dictionary<string, int>(_names.Length, StringComparer.Ordinal);
        for (var i = 0; i < _names.Length; i++)
        {
            var name = _names[i];
            if (string.IsNullOrEmpty(name))
            {
                throw new ArgumentException($"Stats key #{i} is null or empty.", nameof(names));
            }

            if (!index.TryAdd(name, i))
            {
                throw new ArgumentException($"Stats key '{name}' appears more than once.", nameof(names));
            }
        }

        _index = index.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>Creates a key set in the given order.</summary>
    public StatsKeys(params string[] names)
        : this((IEnumerable<string>)names)
    {
    }

    /// <inheritdoc />
    public int Count => _names.Length;

    /// <inheritdoc />
    public string this[int index] => _names[index];

    /// <summary>Returns the position of <paramref name="name"/>, or -1 when absent.</summary>
    public int IndexOf(string name) => _index.TryGetValue(name, out var i) ? i : -1;

    /// <inheritdoc />
    public IEnumerator<string> GetEnumerator() => ((IEnumerable<string>)_names).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _names.GetEnumerator();
}
