using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Dapper;
using Jaqmc.Sinks;
using Jaqmc.Sinks.Postgres;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;

namespace Jaqmc.Benchmarks;

/// <summary>
/// The Postgres writer alone against a local server (TEST_POSTGRES_CONNECTION, for example from
/// <c>eval "$(scripts/test-postgres.sh start)"</c>): records of 20 keys per second, in batches of 500, against
/// the naive path (one autocommitted INSERT per value) and, for the choice of layout, binary COPY into schema
/// version 1's long table with text keys, a wide table and one jsonb row per step. One operation = one record
/// (one step of 20 values).
/// </summary>
/// <remarks>
/// Run: <c>dotnet run -c Release --project bench/Jaqmc.Benchmarks -- --filter '*PostgresWriterBenchmarks*'</c>.
/// Each iteration is a single invocation (the table grows, so steady-state repetition is not the point); the
/// Median and Op/s columns are the figures to read.
/// </remarks>
[Config(typeof(Config))]
public class PostgresWriterBenchmarks
{
    private const int KeyCount = 20;
    private const int BatchSize = 500;
    private const int WriterRecords = 20_000;
    private const int NaiveRecords = 50;

    private readonly StatsKeys _keys = new(Enumerable.Range(0, KeyCount).Select(i => $"key_{i:D2}"));
    private readonly string _schema = "bench_" + Guid.NewGuid().ToString("N")[..8];
    private string _connectionString = string.Empty;
    private NpgsqlDataSource? _dataSource;
    private PostgresStatsWriter? _writer;
    private long _nextStep;
    private long _nextNaiveStep;
    private long _nextWideStep;
    private long _nextLongTextStep;
    private long _nextJsonStep;

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(Job.Default
                .WithToolchain(InProcessEmitToolchain.Instance)
                .WithStrategy(RunStrategy.Monitoring)
                .WithLaunchCount(1)
                .WithWarmupCount(1)
                .WithIterationCount(7)
                .WithInvocationCount(1)
                .WithUnrollFactor(1));
            AddColumn(StatisticColumn.Median, StatisticColumn.OperationsPerSecond);
        }
    }

    [GlobalSetup]
    public void Setup()
    {
        _connectionString = Environment.GetEnvironmentVariable("TEST_POSTGRES_CONNECTION")
            ?? throw new InvalidOperationException("Set TEST_POSTGRES_CONNECTION (eval \"$(scripts/test-postgres.sh start)\").");
        _dataSource = NpgsqlDataSource.Create(_connectionString);
        var options = new PostgresWriterOptions { Enabled = true, ConnectionString = _connectionString, Schema = _schema };
        _writer = new PostgresStatsWriter(options, NullLogger<PostgresStatsWriter>.Instance);
        _writer.OpenAsync(new WriterContext(Path.GetTempPath(), "train", 0, "bench"), CancellationToken.None).AsTask().GetAwaiter().GetResult();

        using var connection = _dataSource.OpenConnection();
        var columns = string.Join(", ", Enumerable.Range(0, KeyCount).Select(i => $"c{i:D2} float8"));
        connection.Execute($"""
            CREATE TABLE "{_schema}".wide (run_id bigint, stage text, step bigint, {columns}, PRIMARY KEY (run_id, stage, step));
            CREATE TABLE "{_schema}".naive (run_id bigint, stage text COLLATE "C", step bigint, name text COLLATE "C", value float8, PRIMARY KEY (run_id, stage, step, name));
            CREATE TABLE "{_schema}".long_text (LIKE "{_schema}".naive INCLUDING ALL);
            CREATE TABLE "{_schema}".per_step (run_id bigint, stage text, step bigint, stats jsonb NOT NULL, PRIMARY KEY (run_id, stage, step));
            """);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _writer?.CloseAsync(StageOutcome.Completed, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        using (var connection = _dataSource!.OpenConnection())
        {
            // Disk per 100 k steps of 20 keys, table plus indexes, for the layout comparison.
            var sizes = connection.Query<(string Table, long Bytes, long Steps)>($"""
                SELECT 'stat_values (long, integer ids)', pg_total_relation_size('"{_schema}".stat_values'), (SELECT count(DISTINCT step) FROM "{_schema}".stat_values)
                UNION ALL SELECT 'long_text (schema v1)', pg_total_relation_size('"{_schema}".long_text'), (SELECT count(DISTINCT step) FROM "{_schema}".long_text)
                UNION ALL SELECT 'wide', pg_total_relation_size('"{_schema}".wide'), (SELECT count(*) FROM "{_schema}".wide)
                UNION ALL SELECT 'per_step (jsonb)', pg_total_relation_size('"{_schema}".per_step'), (SELECT count(*) FROM "{_schema}".per_step)
                """);
            foreach (var (table, bytes, steps) in sizes.Where(s => s.Steps > 0))
            {
                Console.WriteLine($"// disk: {table}: {bytes / 1e6 * 100_000 / Math.Max(steps, 1):F0} MB per 100k steps ({steps} steps)");
            }

            connection.Execute($"""DROP SCHEMA "{_schema}" CASCADE""");
        }

        _dataSource.Dispose();
    }

    /// <summary>The writer's data path: batches of 500 records, binary COPY, one transaction per batch.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = WriterRecords)]
    public async Task Writer_BinaryCopy_Batch500()
    {
        var batch = new StatsRecord[BatchSize];
        for (var done = 0; done < WriterRecords; done += BatchSize)
        {
            for (var i = 0; i < BatchSize; i++)
            {
                batch[i] = Record(_nextStep++);
            }

            await _writer!.WriteAsync(batch, CancellationToken.None);
        }
    }

    /// <summary>The naive path: one autocommitted INSERT per value, on a small count.</summary>
    [Benchmark(OperationsPerInvoke = NaiveRecords)]
    public async Task Naive_InsertPerValue_Autocommit()
    {
        await using var connection = await _dataSource!.OpenConnectionAsync();
        await using var command = new NpgsqlCommand(
            $"""INSERT INTO "{_schema}".naive (run_id, stage, step, name, value) VALUES (1, 'train', $1, $2, $3)""", connection);
        command.Parameters.Add(new NpgsqlParameter<long> { NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter<string> { NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<double> { NpgsqlDbType = NpgsqlDbType.Double });
        for (var r = 0; r < NaiveRecords; r++)
        {
            var record = Record(_nextNaiveStep++);
            for (var k = 0; k < KeyCount; k++)
            {
                ((NpgsqlParameter<long>)command.Parameters[0]).TypedValue = record.Step;
                ((NpgsqlParameter<string>)command.Parameters[1]).TypedValue = _keys[k];
                ((NpgsqlParameter<double>)command.Parameters[2]).TypedValue = record.Values[k];
                await command.ExecuteNonQueryAsync();
            }
        }
    }

    /// <summary>
    /// Schema version 1's layout: a long table keyed by (run id, stage text, step, key text), with the delete and
    /// binary COPY per batch of 500 that its writer did.
    /// </summary>
    [Benchmark(OperationsPerInvoke = WriterRecords)]
    public async Task Alternative_LongTextKeys_BinaryCopy_Batch500()
    {
        for (var done = 0; done < WriterRecords; done += BatchSize)
        {
            await using var connection = await _dataSource!.OpenConnectionAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await connection.ExecuteAsync(
                $"""DELETE FROM "{_schema}".long_text WHERE run_id = 1 AND stage = 'train' AND step BETWEEN @first AND @last""",
                new { first = _nextLongTextStep, last = _nextLongTextStep + BatchSize - 1 }, transaction);
            await using (var importer = await connection.BeginBinaryImportAsync($"""COPY "{_schema}".long_text (run_id, stage, step, name, value) FROM STDIN (FORMAT BINARY)"""))
            {
                for (var i = 0; i < BatchSize; i++)
                {
                    var record = Record(_nextLongTextStep++);
                    for (var k = 0; k < KeyCount; k++)
                    {
                        await importer.StartRowAsync();
                        await importer.WriteAsync(1L, NpgsqlDbType.Bigint);
                        await importer.WriteAsync("train", NpgsqlDbType.Text);
                        await importer.WriteAsync(record.Step, NpgsqlDbType.Bigint);
                        await importer.WriteAsync(_keys[k], NpgsqlDbType.Text);
                        await importer.WriteAsync(record.Values[k], NpgsqlDbType.Double);
                    }
                }

                await importer.CompleteAsync();
            }

            await transaction.CommitAsync();
        }
    }

    /// <summary>Layout alternative: one column per key (needs DDL per new key), binary COPY, batches of 500.</summary>
    [Benchmark(OperationsPerInvoke = WriterRecords)]
    public async Task Alternative_WideTable_BinaryCopy_Batch500()
    {
        var columns = string.Join(", ", Enumerable.Range(0, KeyCount).Select(i => $"c{i:D2}"));
        for (var done = 0; done < WriterRecords; done += BatchSize)
        {
            await using var connection = await _dataSource!.OpenConnectionAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await using (var importer = await connection.BeginBinaryImportAsync($"""COPY "{_schema}".wide (run_id, stage, step, {columns}) FROM STDIN (FORMAT BINARY)"""))
            {
                for (var i = 0; i < BatchSize; i++)
                {
                    var record = Record(_nextWideStep++);
                    await importer.StartRowAsync();
                    await importer.WriteAsync(1L, NpgsqlDbType.Bigint);
                    await importer.WriteAsync("train", NpgsqlDbType.Text);
                    await importer.WriteAsync(record.Step, NpgsqlDbType.Bigint);
                    foreach (var value in record.Values)
                    {
                        await importer.WriteAsync(value, NpgsqlDbType.Double);
                    }
                }

                await importer.CompleteAsync();
            }

            await transaction.CommitAsync();
        }
    }

    /// <summary>Layout alternative: one jsonb object per step, binary COPY, batches of 500.</summary>
    [Benchmark(OperationsPerInvoke = WriterRecords)]
    public async Task Alternative_JsonbPerStep_BinaryCopy_Batch500()
    {
        var json = new StringBuilder();
        for (var done = 0; done < WriterRecords; done += BatchSize)
        {
            await using var connection = await _dataSource!.OpenConnectionAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await using (var importer = await connection.BeginBinaryImportAsync($"""COPY "{_schema}".per_step (run_id, stage, step, stats) FROM STDIN (FORMAT BINARY)"""))
            {
                for (var i = 0; i < BatchSize; i++)
                {
                    var record = Record(_nextJsonStep++);
                    json.Clear().Append('{');
                    for (var k = 0; k < KeyCount; k++)
                    {
                        json.Append(k == 0 ? "\"" : ",\"").Append(_keys[k]).Append("\":")
                            .Append(record.Values[k].ToString("R", CultureInfo.InvariantCulture));
                    }

                    await importer.StartRowAsync();
                    await importer.WriteAsync(1L, NpgsqlDbType.Bigint);
                    await importer.WriteAsync("train", NpgsqlDbType.Text);
                    await importer.WriteAsync(record.Step, NpgsqlDbType.Bigint);
                    await importer.WriteAsync(json.Append('}').ToString(), NpgsqlDbType.Jsonb);
                }

                await importer.CompleteAsync();
            }

            await transaction.CommitAsync();
        }
    }

    private StatsRecord Record(long step)
    {
        var values = new double[KeyCount];
        for (var k = 0; k < KeyCount; k++)
        {
            values[k] = -2.9 + (step * 1e-6) + (k * 0.01);
        }

        return new StatsRecord("train", step, _keys, values);
    }
}
