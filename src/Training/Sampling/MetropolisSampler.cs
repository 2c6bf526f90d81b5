using Jaqmc.Training.Estimators;
using Jaqmc.Training.Systems;

namespace Jaqmc.Training.Sampling;

/// <summary>
/// Moves the walkers with Metropolis–Hastings (symmetric Gaussian proposals of all electrons at once) and evaluates
/// each walker's local energy and parameter derivatives at its final position.
/// </summary>
/// <remarks>
/// Walkers are split into fixed blocks of <see cref="BlockSize"/>, each with its own random stream, and blocks run
/// in parallel. Because the split does not depend on the thread count and nothing is summed across blocks here,
/// the results are bitwise identical for any <c>Threads</c>.
/// </remarks>
internal sealed class MetropolisSampler
{
    /// <summary>Walkers per block (per random stream). Part of the results' definition: changing it changes them.</summary>
    public const int BlockSize = 64;

    private readonly IWavefunctionSystem _system;
    private readonly int _moves;
    private readonly int _coordinates;
    private readonly ParallelOptions _parallelOptions;
    private readonly Action<int> _blockBody;

    // Inputs of the sweep in progress, held in fields so the cached block delegate needs no closure per step.
    private VmcState? _state;
    private WalkerSamples? _samples;

    /// <summary>Creates a sampler doing <paramref name="moves"/> moves per walker per sweep on up to <paramref name="threads"/> threads.</summary>
    public MetropolisSampler(IWavefunctionSystem system, int moves, int threads)
    {
        _system = system;
        _moves = moves;
        _coordinates = system.CoordinateCount;
        _parallelOptions = new ParallelOptions { MaxDegreeOfParallelism = threads };
        _blockBody = RunBlock;
    }

    /// <summary>The number of blocks (random streams) for <paramref name="walkers"/> walkers.</summary>
    public static int BlockCount(int walkers) => (walkers + BlockSize - 1) / BlockSize;

    /// <summary>
    /// One sweep: <c>McmcSteps</c> moves per walker with the state's parameters and width, then the local terms.
    /// Returns the acceptance ratio (pmove).
    /// </summary>
    public double Sweep(VmcState state, WalkerSamples samples)
    {
        _state = state;
        _samples = samples;
        var blocks = state.Generators.Length;
        if (_parallelOptions.MaxDegreeOfParallelism == 1)
        {
            for (var b = 0; b < blocks; b++)
            {
                RunBlock(b);
            }
        }
        else
        {
            Parallel.For(0, blocks, _parallelOptions, _blockBody);
        }

        _state = null;
        _samples = null;
        long accepted = 0;
        foreach (var a in samples.AcceptedPerBlock)
        {
            accepted += a;
        }

        return accepted / ((double)state.Walkers * _moves);
    }

    private void RunBlock(int block)
    {
        var state = _state!;
        var samples = _samples!;
        var n = _coordinates;
        ReadOnlySpan<double> parameters = state.Parameters;
        var width = state.ProposalWidth;
        Span<double> proposal = stackalloc double[n];
        Span<double> gradient = stackalloc double[n];

        // A local copy, written back once: the generators of neighbouring blocks share cache lines, and updating
        // them in place from two threads at every draw would make the cores fight over those lines.
        var random = state.Generators[block];
        var first = block * BlockSize;
        var end = Math.Min(first + BlockSize, state.Walkers);
        long accepted = 0;
        var p = samples.ParameterCount;
        for (var w = first; w < end; w++)
        {
            var x = state.Positions.AsSpan(w * n, n);

            // Recomputed rather than cached: the parameters changed since the last sweep.
            var logPsi = _system.LogPsi(parameters, x);
            for (var m = 0; m < _moves; m++)
            {
                random.FillGaussian(proposal);
                for (var k = 0; k < n; k++)
                {
                    proposal[k] = x[k] + (width * proposal[k]);
                }

                var proposed = _system.LogPsi(parameters, proposal);
                var logRatio = 2.0 * (proposed - logPsi);

                // Draw the uniform only when needed: half the moves are uphill and always accepted.
                if (logRatio >= 0.0 || random.NextDouble() < Math.Exp(logRatio))
                {
                    proposal.CopyTo(x);
                    logPsi = proposed;
                    accepted++;
                }
            }

            LocalEnergy.Evaluate(_system, parameters, x, gradient, out samples.Kinetic[w], out samples.Potential[w]);
            _system.ParameterDerivatives(parameters, x, samples.ParameterDerivatives.AsSpan(w * p, p));
        }

        state.Generators[block] = random;
        samples.AcceptedPerBlock[block] = accepted;
    }
}
