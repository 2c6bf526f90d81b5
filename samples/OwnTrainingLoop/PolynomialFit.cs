namespace Jaqmc.Samples.OwnTrainingLoop;

/// <summary>
/// The model being trained: a quadratic <c>c0 + c1 x + c2 x²</c> fitted by minibatch gradient descent to noisy
/// points of <c>1.5 - 2 x + 0.5 x²</c>. Stands in for your own model; nothing here knows about recording.
/// </summary>
public sealed class PolynomialFit
{
    private static readonly double[] TrueCoefficients = [1.5, -2.0, 0.5];
    private const double Noise = 0.3;

    private readonly double[] _x;
    private readonly double[] _y;
    private readonly double[] _gradient = new double[TrueCoefficients.Length];

    /// <summary>Creates the data set: the same points for the same seed, so a resumed run fits the same data.</summary>
    public PolynomialFit(int points, ulong seed)
    {
        var random = new SplitMix64(seed);
        _x = new double[points];
        _y = new double[points];
        for (var i = 0; i < points; i++)
        {
            _x[i] = -2.0 + 4.0 * random.NextDouble();
            _y[i] = Evaluate(TrueCoefficients, _x[i]) + Noise * random.NextGaussian();
        }
    }

    /// <summary>The number of coefficients.</summary>
    public static int ParameterCount => TrueCoefficients.Length;

    /// <summary>
    /// One step: draws <paramref name="batchSize"/> points with <paramref name="random"/>, computes the mean squared
    /// error and its gradient at <paramref name="parameters"/>, and moves the parameters down the gradient.
    /// </summary>
    /// <returns>The minibatch loss and the gradient's norm, both before the update.</returns>
    public (double Loss, double GradientNorm) Step(double[] parameters, SplitMix64 random, int batchSize, double learningRate)
    {
        Array.Clear(_gradient);
        var loss = 0.0;
        for (var b = 0; b < batchSize; b++)
        {
            var i = random.NextIndex(_x.Length);
            var residual = Evaluate(parameters, _x[i]) - _y[i];
            loss += residual * residual;
            var power = 1.0;
            for (var k = 0; k < _gradient.Length; k++)
            {
                _gradient[k] += 2.0 * residual * power / batchSize;
                power *= _x[i];
            }
        }

        var norm = 0.0;
        for (var k = 0; k < parameters.Length; k++)
        {
            norm += _gradient[k] * _gradient[k];
            parameters[k] -= learningRate * _gradient[k];
        }

        return (loss / batchSize, Math.Sqrt(norm));
    }

    private static double Evaluate(double[] coefficients, double x)
    {
        var value = 0.0;
        for (var k = coefficients.Length - 1; k >= 0; k--)
        {
            value = value * x + coefficients[k];
        }

        return value;
    }
}
