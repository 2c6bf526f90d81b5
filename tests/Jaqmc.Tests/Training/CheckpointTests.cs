using Jaqmc.Training;
using Jaqmc.Training.Checkpoints;
using Jaqmc.Training.Sampling;

namespace Jaqmc.Tests.Training;

/// <summary>The checkpoint format: exact round trip, and every single damaged byte detected.</summary>
public sealed class CheckpointTests
{
    private static VmcState Sample()
    {
        var state = new VmcState("He", walkers: 3, coordinates: 6, parameters: 2, blocks: 2)
        {
            Step = 41,
            AdamStepCount = 42,
            ProposalWidth = 0.731,
            PmoveWindowSum = 12.5,
            PmoveWindowCount = 17,
        };
        state.Parameters[0] = 1.8;
        state.Parameters[1] = double.NaN;
        state.AdamFirstMoment[1] = -0.0;
        state.AdamSecondMoment[0] = 1e-300;
        for (var i = 0; i < state.Positions.Length; i++)
        {
            state.Positions[i] = i * 0.1;
        }

        state.Generators[0] = Xoshiro256StarStar.Create(1, 0);
        state.Generators[1] = Xoshiro256StarStar.Create(1, 1);
        state.EnergySeries.AddRange([-2.9, -2.8]);
        return state;
    }

    [Fact]
    public void Round_trip_is_exact()
    {
        var original = Sample();
        var bytes = CheckpointSerializer.Serialize("evaluation", original);
        var (stage, copy) = CheckpointSerializer.Deserialize(bytes);
        Assert.Equal("evaluation", stage);
        Assert.Equal(bytes, CheckpointSerializer.Serialize(stage, copy));
        Assert.Equal(original.Generators[1].NextUInt64(), copy.Generators[1].NextUInt64());
    }

    [Fact]
    public void Any_flipped_byte_or_truncation_is_detected()
    {
        var bytes = CheckpointSerializer.Serialize("train", Sample());
        for (var i = 0; i < bytes.Length; i++)
        {
            var damaged = (byte[])bytes.Clone();
            damaged[i] ^= 0x01;
            Assert.Throws<InvalidDataException>(() => CheckpointSerializer.Deserialize(damaged));
        }

        for (var length = 0; length < bytes.Length; length += 7)
        {
            Assert.Throws<InvalidDataException>(() => CheckpointSerializer.Deserialize(bytes.AsSpan(0, length).ToArray()));
        }
    }
}
