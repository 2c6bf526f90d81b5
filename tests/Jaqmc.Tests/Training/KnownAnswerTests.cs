using Jaqmc.Training;
using Xunit.Abstractions;

namespace Jaqmc.Tests.Training;

/// <summary>
/// Energies with known answers. Tolerances come from the run's own standard error (blocking-corrected) rather than
/// fixed numbers, so a slower or noisier configuration widens them honestly.
/// </summary>
public sealed class KnownAnswerTests : IDisposable
{
    private readonly TrainingTestContext _context = new();
    private readonly ITestOutputHelper _output;

    public KnownAnswerTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => _context.Dispose();

    private async Task<(TrainingResult Result, RecordingStatsRecorder Recorder)> RunAsync(TrainingOptions options, int evaluationIterations)
    {
        var recorder = new RecordingStatsRecorder();
        var started = DateTime.UtcNow;
        var result = await TrainingTestContext.Trainer(options, evaluationIterations).RunAsync(_context.Directory, recorder, CancellationToken.None);
        _output.WriteLine(
            $"{options.System} fix={options.FixJastrow}: E = {result.EvaluationEnergy:F6} ± {result.EvaluationStandardError:F6}, " +
            $"params {string.Join(", ", result.Parameters.Select(kv => $"{kv.Key}={kv.Value:F5}"))}, " +
            $"last var {recorder.Rows(VmcTrainer.EvaluationStage)[^1].Values[1]:E3}, {(DateTime.UtcNow - started).TotalSeconds:F1} s");
        Assert.True(result.Succeeded, result.FailedReason);
        return (result, recorder);
    }

    [Fact]
    public async Task Hydrogen_converges_to_the_exact_ground_state()
    {
        var options = TrainingTestContext.SmallOptions(TrainingSystem.H);
        options.Iterations = 300;
        options.Walkers = 512;
        options.Threads = 0;
        var (result, recorder) = await RunAsync(options, evaluationIterations: 50);

        // At α = 1 the local energy is −1/2 everywhere. For this ansatz Var E_L = (α − 1)² α² and
        // E(α) + 1/2 = (α − 1)²/2, so the measured variance bounds both the parameter error and the energy bias;
        // the factor 2 covers the sampling error of the variance itself, and 1e-12 the rounding of E_L.
        var rows = recorder.Rows(VmcTrainer.EvaluationStage);
        var maxVariance = rows.Max(r => r.Values[1]);
        Assert.True(maxVariance < 1e-6, $"variance {maxVariance}");
        var alphaTolerance = (2 * Math.Sqrt(maxVariance)) + 1e-12;
        Assert.InRange(result.Parameters["alpha"], 1 - alphaTolerance, 1 + alphaTolerance);
        var energyTolerance = (3 * result.EvaluationStandardError!.Value) + maxVariance + 1e-12;
        Assert.InRange(result.EvaluationEnergy!.Value, -0.5 - energyTolerance, -0.5 + energyTolerance);
    }

    [Fact]
    public async Task Helium_without_jastrow_reaches_alpha_27_16()
    {
        var options = TrainingTestContext.SmallOptions(TrainingSystem.He);
        options.FixJastrow = true;
        options.Iterations = 300;
        options.Walkers = 512;
        options.Threads = 0;
        var (result, _) = await RunAsync(options, evaluationIterations: 500);
        const double exact = -(27.0 / 16) * (27.0 / 16);
        var se = result.EvaluationStandardError!.Value;
        Assert.InRange(result.EvaluationEnergy!.Value, exact - (3 * se), exact + (3 * se));

        // E(α) = α² − 27α/8 is (α − 27/16)² above the minimum, so an α farther than √(3 SE) from 27/16 would shift
        // the energy by more than three standard errors.
        var alphaTolerance = Math.Sqrt(3 * se);
        Assert.InRange(result.Parameters["alpha"], (27.0 / 16) - alphaTolerance, (27.0 / 16) + alphaTolerance);
    }

    [Fact]
    public async Task Helium_with_jastrow_goes_below_minus_2_875()
    {
        var options = TrainingTestContext.SmallOptions(TrainingSystem.He);
        options.Iterations = 400;
        options.Walkers = 512;
        options.Threads = 0;
        var (result, _) = await RunAsync(options, evaluationIterations: 500);
        var se = result.EvaluationStandardError!.Value;
        Assert.True(result.EvaluationEnergy!.Value + (2 * se) < -2.875, $"E = {result.EvaluationEnergy} ± {se}");
    }

    [Fact]
    public async Task Hydrogen_molecule_goes_below_minus_1_14()
    {
        var options = TrainingTestContext.SmallOptions(TrainingSystem.H2);
        options.Iterations = 400;
        options.Walkers = 512;
        options.Threads = 0;
        var (result, _) = await RunAsync(options, evaluationIterations: 500);
        var se = result.EvaluationStandardError!.Value;
        Assert.True(result.EvaluationEnergy!.Value + (2 * se) < -1.14, $"E = {result.EvaluationEnergy} ± {se}");
    }
}
