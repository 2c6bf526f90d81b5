using System.Security.Cryptography;
using System.Text;
using Jaqmc.Training.Sampling;

namespace Jaqmc.Training.Checkpoints;

/// <summary>
/// The checkpoint file format: a little-endian binary image of <see cref="VmcState"/> followed by the SHA-256 of
/// everything before it, so a truncated or damaged file is recognised instead of silently resuming from garbage.
/// </summary>
internal static class CheckpointSerializer
{
    private const int Version = 1;
    private const int HashLength = 32;
    private static readonly byte[] Magic = "JQMCCKPT"u8.ToArray();

    /// <summary>Serialises <paramref name="state"/> of <paramref name="stage"/>, checksum included.</summary>
    public static byte[] Serialize(string stage, VmcState state)
    {
        using var buffer = new MemoryStream();
        using (var w = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            w.Write(Version);
            w.Write(stage);
            w.Write(state.SystemName);
            w.Write(state.Step);
            w.Write(state.Walkers);
            w.Write(state.Coordinates);
            WriteArray(w, state.Parameters);
            WriteArray(w, state.AdamFirstMoment);
            WriteArray(w, state.AdamSecondMoment);
            w.Write(state.AdamStepCount);
            w.Write(state.ProposalWidth);
            w.Write(state.PmoveWindowSum);
            w.Write(state.PmoveWindowCount);
            w.Write(state.Generators.Length);
            Span<ulong> words = stackalloc ulong[Xoshiro256StarStar.StateLength];
            foreach (var generator in state.Generators)
            {
                generator.CopyStateTo(words);
                foreach (var word in words)
                {
                    w.Write(word);
                }
            }

            WriteArray(w, state.Positions);
            w.Write(state.EnergySeries.Count);
            foreach (var e in state.EnergySeries)
            {
                w.Write(e);
            }
        }

        var payloadLength = (int)buffer.Length;
        var hash = SHA256.HashData(buffer.GetBuffer().AsSpan(0, payloadLength));
        buffer.Write(hash);
        return buffer.ToArray();
    }

    /// <summary>Reads a checkpoint; throws <see cref="InvalidDataException"/> when it is damaged.</summary>
    /// <returns>The stage name stored in the file and the state.</returns>
    public static (string Stage, VmcState State) Deserialize(byte[] data)
    {
        if (data.Length < Magic.Length + HashLength)
        {
            throw new InvalidDataException($"Checkpoint is truncated ({data.Length} bytes).");
        }

        var payload = data.AsSpan(0, data.Length - HashLength);
        Span<byte> hash = stackalloc byte[HashLength];
        SHA256.HashData(payload, hash);
        if (!hash.SequenceEqual(data.AsSpan(data.Length - HashLength)))
        {
            throw new InvalidDataException("Checkpoint checksum mismatch (truncated or corrupted file).");
        }

        using var r = new BinaryReader(new MemoryStream(data, 0, payload.Length, writable: false), Encoding.UTF8);
        if (!r.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic))
        {
            throw new InvalidDataException("Not a Jaqmc.NET checkpoint.");
        }

        var version = r.ReadInt32();
        if (version != Version)
        {
            throw new InvalidDataException($"Unsupported checkpoint version {version}.");
        }

        var stage = r.ReadString();
        var systemName = r.ReadString();
        var step = r.ReadInt64();
        var walkers = r.ReadInt32();
        var coordinates = r.ReadInt32();
        var parameters = ReadArray(r);
        var m = ReadArray(r);
        var v = ReadArray(r);
        var adamSteps = r.ReadInt64();
        var width = r.ReadDouble();
        var windowSum = r.ReadDouble();
        var windowCount = r.ReadInt32();
        var blocks = r.ReadInt32();
        if (blocks < 0 || walkers < 0 || coordinates < 0 || m.Length != parameters.Length || v.Length != parameters.Length)
        {
            throw new InvalidDataException("Checkpoint has inconsistent sizes.");
        }

        var state = new VmcState(systemName, walkers, coordinates, parameters.Length, blocks)
        {
            Step = step,
            AdamStepCount = adamSteps,
            ProposalWidth = width,
            PmoveWindowSum = windowSum,
            PmoveWindowCount = windowCount,
        };
        parameters.CopyTo(state.Parameters, 0);
        m.CopyTo(state.AdamFirstMoment, 0);
        v.CopyTo(state.AdamSecondMoment, 0);
        Span<ulong> words = stackalloc ulong[Xoshiro256StarStar.StateLength];
        for (var b = 0; b < blocks; b++)
        {
            for (var k = 0; k < words.Length; k++)
            {
                words[k] = r.ReadUInt64();
            }

            state.Generators[b] = Xoshiro256StarStar.FromState(words);
        }

        var positions = ReadArray(r);
        if (positions.Length != state.Positions.Length)
        {
            throw new InvalidDataException("Checkpoint has inconsistent walker positions.");
        }

        positions.CopyTo(state.Positions, 0);
        var seriesLength = r.ReadInt32();
        for (var i = 0; i < seriesLength; i++)
        {
            state.EnergySeries.Add(r.ReadDouble());
        }

        if (r.BaseStream.Position != payload.Length)
        {
            throw new InvalidDataException("Checkpoint has trailing data.");
        }

        return (stage, state);
    }

    private static void WriteArray(BinaryWriter w, double[] values)
    {
        w.Write(values.Length);
        foreach (var value in values)
        {
            w.Write(value);
        }
    }

    private static double[] ReadArray(BinaryReader r)
    {
        var length = r.ReadInt32();
        if (length < 0 || length > (r.BaseStream.Length - r.BaseStream.Position) / sizeof(double))
        {
            throw new InvalidDataException("Checkpoint array length out of range.");
        }

        var values = new double[length];
        for (var i = 0; i < length; i++)
        {
            values[i] = r.ReadDouble();
        }

        return values;
    }
}
