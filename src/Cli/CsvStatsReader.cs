namespace Jaqmc.Cli;

/// <summary>Reads a stage's CSV file for the reading verbs, through the CSV writer's own reader.</summary>
internal static class CsvStatsReader
{
    public static async Task<StatsTable> ReadAsync(string path, string stage, CancellationToken cancellationToken)
    {
        try
        {
            var data = await Jaqmc.Sinks.Csv.CsvStatsReader.ReadAsync(path, cancellationToken).ConfigureAwait(false);
            return new StatsTable(stage, data.Steps, data.Columns);
        }
        catch (InvalidDataException e)
        {
            throw new CliException(e.Message, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot read {path}: {e.Message}", e);
        }
    }
}
