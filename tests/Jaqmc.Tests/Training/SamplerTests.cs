using Jaqmc.Training;
using Jaqmc.Training.Estimators;
using Jaqmc.Training.Optimisation;
using Jaqmc.Training.Sampling;
using Jaqmc.Training.Systems;

namespace Jaqmc.Tests.Training;

/// <summary>The sampler's hot path and the proposal-width adaptation.</summary>
public sealed class SamplerTests
{
    private static VmcState State(IWavefunctionSystem system, int walkers)
    {
        var blocks = MetropolisSampler.BlockCount(walkers);
        var state = new VmcState(system.Name, walkers, system.CoordinateCount, system.ParameterNames.Count, blocks) { ProposalWidth = 0.5 };
        system.InitialParameters(state.Parameters);
        for (var b = 0; b < blocks; b++)
        {
            state.Generators[b] = Xoshiro256StarStar.Create(1, b);
        }

        for (var w = 0; w < walkers; w++)
        {
            system.InitialPositions(ref state.Generators[w / MetropolisSampler.BlockSize], state.Positions.AsSpan(w * system.CoordinateCount, system.CoordinateCount));
        }

        return state;
    }

    [Fact]
    public void A_single_threaded_step_allocates_nothing()
    {
        var system = new HeliumAtom(jastrow: true);
        var state = State(system, 256);
        var samples = new WalkerSamples(256, 2, state.Generators.Length);
        var sampler = new MetropolisSampler(system, moves: 3, threads: 1);
        var gradient = new double[2];
        sampler.Sweep(state, samples); // warm up (JIT, tiering)

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 5; i++)
        {
            var pmove = sampler.Sweep(state, samples);
            var stats = StepStatistics.Compute(samples, pmove);
            ClippedEnergyGradient.Compute(samples, stats.Energy, 5.0, gradient);
            AdamOptimizer.Step(state, gradient, 0.01);
            ProposalWidthAdapter.Observe(state, pmove);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Theory]
    [InlineData(0.7, 1.1)]
    [InlineData(0.3, 1 / 1.1)]
    [InlineData(0.52, 1.0)]
    public void The_width_adapts_every_100_steps_toward_the_target_band(double pmove, double factor)
    {
        var state = new VmcState("He", 1, 6, 1, 1) { ProposalWidth = 0.5 };
        for (var i = 0; i < ProposalWidthAdapter.Window - 1; i++)
        {
            ProposalWidthAdapter.Observe(state, pmove);
        }

        Assert.Equal(0.5, state.ProposalWidth);
        ProposalWidthAdapter.Observe(state, pmove);
        Assert.Equal(0.5 * factor, state.ProposalWidth, 15);
        Assert.Equal(0, state.PmoveWindowCount);
    }
}
