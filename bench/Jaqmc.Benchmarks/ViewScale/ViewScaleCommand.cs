using System.Diagnostics;
using System.Globalization;
using Dapper;
using Jaqmc.Sinks.Postgres;
using Npgsql;

namespace Jaqmc.Benchmarks.ViewScale;

/// <summary>
/// <c>view-scale --connection CONN [--runs 40] [--steps 100000] [--long-steps 1000000] [--evaluation-steps 2000]
/// [--keys 20] [--batch-records 64] [--repeats 5] [--partitions 8] [--writer-rounds 3] [--writer-batches 20] [--reuse] [--build-only | --viewing-only | --commands-only | --writer-only]
/// [--jaqmc DLL] [--jaqmc-before DLL]</c>:
/// builds a database of about 100 M values through COPY in the writer's layout (schema <c>scale</c>, plus a
/// hash-partitioned twin <c>scale_part</c>) and upgrades both to the current schema, timing each migration; builds
/// the same values again in <c>scale_v3</c>, left at version 3; then times every viewing path (medians), the writer's
/// throughput, resume's delete and disk per value, version 3 against the current one. Last it prints issue #15's
/// goals for schema <c>scale</c>, each met or not, and one verdict line (<see cref="ViewScaleGoals"/>).
/// </summary>
/// <remarks>
/// Whole commands run the jaqmc of <c>--jaqmc</c> (default: the plain build of this tree); with
/// <c>--jaqmc-before</c>, that build's commands run too, interleaved with them, and each cell reads
/// "before → after" (e.g. the plain build against the ReadyToRun copy in src/Cli/bin/Release/r2r/).
/// <c>--commands-only</c> times only the whole commands. Point it at a throwaway server: it drops and recreates both
/// schemas unless <c>--reuse</c> is given; <c>--no-v3</c> leaves out <c>scale_v3</c>.
/// </remarks>
internal sealed class ViewScaleCommand
{
    private const string Plain = "scale";
    private const string Partitioned = "scale_part";
    private const string Version3 = "scale_v3";
    private readonly string[] _args;
    private readonly ScaleShape _shape;
    private readonly int _repeats;
    private readonly int _partitions;
    private readonly string _connection;
    private readonly ViewScaleGoals _goals = new();

    private ViewScaleCommand(string[] args)
    {
        _args = args;
        _shape = new ScaleShape(
            CommandHelpers.Option(args, "--runs", 40), CommandHelpers.Option(args, "--steps", 100_000),
            CommandHelpers.Option(args, "--long-steps", 1_000_000), CommandHelpers.Option(args, "--evaluation-steps", 2_000),
            CommandHelpers.Option(args, "--keys", 20));
        _repeats = CommandHelpers.Option(args, "--repeats", 5);
        _partitions = CommandHelpers.Option(args, "--partitions", 8);
        _connection = StringOption("--connection") ?? throw new ArgumentException("view-scale needs --connection (a throwaway server: it drops schemas scale, scale_v3 and scale_part)");
    }

    public static Task<int> RunAsync(string[] args) => new ViewScaleCommand(args).RunAsync();

    private string? StringOption(string name)
    {
        var i = Array.IndexOf(_args, name);
        return i >= 0 && i + 1 < _args.Length ? _args[i + 1] : null;
    }

    private async Task<int> RunAsync()
    {
        await using var source = new NpgsqlDataSourceBuilder(_connection) { ConnectionStringBuilder = { NoResetOnClose = true, CommandTimeout = 0 } }.Build();
        var schemas = new[] { _args.Contains("--no-v3") ? null : Version3, Plain, _partitions > 0 ? Partitioned : null }.OfType<string>().ToArray();
        Line($"view-scale: {_shape.Runs} runs x {_shape.Steps:N0} steps + 1 run x {_shape.LongRunSteps:N0} steps, each with {_shape.EvaluationSteps:N0} evaluation steps, {_shape.Keys} keys = {_shape.Values:N0} values; medians of {_repeats}");
        Line($"server: {await ScalarAsync<string>(source, "SELECT version()")}; shared_buffers {await ScalarAsync<string>(source, "SHOW shared_buffers")}, max_wal_size {await ScalarAsync<string>(source, "SHOW max_wal_size")}");

        var builder = new ScaleDataBuilder(source, _shape, CommandHelpers.Option(_args, "--batch-records", 64));
        if (!_args.Contains("--reuse"))
        {
            await BuildAsync(source, builder, schemas);
        }

        await ReportDiskAsync(source, schemas);
        if (_args.Contains("--build-only"))
        {
            return 0;
        }

        if (!_args.Contains("--writer-only"))
        {
            await ReportViewingAsync(source, schemas);
        }

        if (!_args.Contains("--viewing-only") && !_args.Contains("--commands-only"))
        {
            await ReportWriterAsync(source, schemas);
        }

        _goals.Report(Line, JaqmcBuilds()[^1], _shape.Steps);
        return 0;
    }

    private async Task BuildAsync(NpgsqlDataSource source, ScaleDataBuilder builder, string[] schemas)
    {
        Line("\n## Build");
        foreach (var schema in schemas.Where(s => s != Partitioned))
        {
            var (seconds, values) = await builder.BuildAsync(schema, p => Console.Error.WriteLine(p));
            Line($"{schema}: COPY of {values:N0} values into schema version 2: {seconds:F0} s ({values / seconds:N0} values/s)");
            Line($"VACUUM ANALYZE: {await TimeAsync(source, $"VACUUM (ANALYZE) {schema}.stat_values"):F0} s");
            Line($"version 2: stat_values {await ScalarAsync<long>(source, $"SELECT pg_total_relation_size('{schema}.stat_values')") / 1e9:F2} GB, database {await ScalarAsync<long>(source, "SELECT pg_database_size(current_database())") / 1e9:F2} GB");
        }

        if (schemas.Contains(Partitioned))
        {
            var copy = await builder.CopyPartitionedAsync(Plain, Partitioned, _partitions);
            Line($"copy into {_partitions} hash partitions by stage (INSERT ... SELECT): {copy:F0} s; VACUUM ANALYZE {await TimeAsync(source, $"VACUUM (ANALYZE) {Partitioned}.stat_values"):F0} s");
        }

        // One migration at a time, so each is timed on its own: 2 -> 3 (summaries), then 3 -> 4 (the key).
        foreach (var schema in schemas)
        {
            for (var version = 3; version <= (schema == Version3 ? 3 : PostgresSchema.LatestVersion); version++)
            {
                var clock = Stopwatch.StartNew();
                await using (var connection = await source.OpenConnectionAsync())
                {
                    var (before, after) = await PostgresSchema.EnsureAsync(connection, schema, CancellationToken.None, upToVersion: version);
                    Line($"migration of {schema} from version {before} to {after}: {clock.Elapsed.TotalSeconds:F0} s");
                }
            }

            await TimeAsync(source, $"VACUUM (ANALYZE) {schema}.stat_values; ANALYZE {schema}.stat_blocks; ANALYZE {schema}.stat_latest; ANALYZE {schema}.run_stages");
        }
    }

    private async Task ReportDiskAsync(NpgsqlDataSource source, string[] schemas)
    {
        Line("\n## Disk (tables with their indexes)");
        Line("| schema | version | values | stat_values | of which its primary key | summaries (stat_blocks + stat_latest) | B/value stat_values | B/value with summaries |");
        Line("|---|---|---|---|---|---|---|---|");
        foreach (var schema in schemas)
        {
            var (version, values, table, key, summaries) = await QuerySingleAsync<(int, long, long, long, long)>(source,
                $"""
                WITH parts AS (SELECT c.oid FROM pg_class c
                               WHERE c.oid = '{schema}.stat_values'::regclass OR c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = '{schema}.stat_values'::regclass))
                SELECT (SELECT max(version) FROM {schema}.schema_version),
                       (SELECT sum(value_count)::bigint FROM {schema}.run_stages),
                       (SELECT sum(pg_total_relation_size(oid))::bigint FROM parts),
                       (SELECT sum(pg_relation_size(i.indexrelid))::bigint FROM pg_index i WHERE i.indisprimary AND i.indrelid IN (SELECT oid FROM parts)),
                       pg_total_relation_size('{schema}.stat_blocks') + pg_total_relation_size('{schema}.stat_latest')
                """);
            if (schema == Plain)
            {
                _goals.Measured(ViewScaleGoals.Values, values);
                _goals.Measured(ViewScaleGoals.DiskPerValue, (double)(table + summaries) / values);
            }

            Line($"| {schema} | {version} | {values:N0} | {table / 1e9:F2} GB | {key / 1e9:F2} GB ({(double)key / values:F1} B/value) | {summaries / 1e6:F0} MB | {(double)table / values:F1} | {(double)(table + summaries) / values:F1} |");
        }
    }

    private async Task ReportViewingAsync(NpgsqlDataSource source, string[] schemas)
    {
        var builds = JaqmcBuilds();
        var timer = new ViewTimer(source, _repeats, builds, _connection);
        var runs = _shape.RunNames().Where(r => r != ScaleShape.LongRun).ToArray();
        string Run(int i) => runs[(i + runs.Length) % runs.Length];
        var random = new Random(1);
        long ZoomStart() => random.NextInt64(0, _shape.Steps - 1_000);
        Line("\n## Viewing (medians, ms; whole commands: wall time (CPU time of the process))");
        Line(builds.Length > 1 ? $"Whole commands: before → after; before = {builds[0]}, after = {builds[1]}" : $"Whole commands: {builds[0]}");
        Line($"| path | {string.Join(" | ", schemas)} | rows |");
        Line($"|---|{string.Concat(schemas.Select(_ => "---|"))}---|");
        var (steps, longSteps) = (Invariant($"{_shape.Steps / 1000.0:0.#} k"), Invariant($"{_shape.LongRunSteps / 1000.0:#,0.#} k"));
        var queries = new (string Name, string Sql, Func<int, object[]> Parameters, string? Goal)[]
        {
            ("latest values of one run", "SELECT * FROM {s}.latest_stats WHERE run = $1", i => [Run(i)], ViewScaleGoals.LatestOfOneRun),
            ("latest values of every run", "SELECT * FROM {s}.latest_stats", _ => [], ViewScaleGoals.LatestOfEveryRun),
            ("runs list (the query of `jaqmc runs`)", RunsListSql, _ => [], null),
            ($"curve: 2,000 points over a whole {steps}-step run", "SELECT * FROM {s}.curve($1, 'train', 'total_energy', NULL, NULL, 2000)", i => [Run(i)], ViewScaleGoals.Curve),
            ($"curve: 2,000 points over the {longSteps}-step run", "SELECT * FROM {s}.curve($1, 'train', 'total_energy', NULL, NULL, 2000)", _ => [ScaleShape.LongRun], ViewScaleGoals.Curve),
            ("curve: 2,000 points over a 1 % zoom (1,000 steps)", "SELECT * FROM {s}.curve($1, 'train', 'energy:kinetic', $2, $2 + 999, 2000)", i => [Run(i), ZoomStart()], ViewScaleGoals.Curve),
            ("curve: 2,000 points over 16,384 steps (the longest value-by-value range)", "SELECT * FROM {s}.curve($1, 'train', 'pmove', $2, $2 + 16383, 2000)", i => [Run(i), ZoomStart() / 2], ViewScaleGoals.Curve),
            ("curve: 2,000 points over 16,385 steps (the shortest range read by blocks)", "SELECT * FROM {s}.curve($1, 'train', 'pmove', $2, $2 + 16384, 2000)", i => [Run(i), ZoomStart() / 2], ViewScaleGoals.Curve),
            ("per-step jsonb rows: 100 steps of stats_by_step", "SELECT * FROM {s}.stats_by_step WHERE run = $1 AND stage = 'train' AND step BETWEEN $2 AND $2 + 99", i => [Run(i), ZoomStart()], null),
            ("per-step jsonb rows: the last 10 steps of stats_by_step", "SELECT * FROM {s}.stats_by_step WHERE run = $1 AND stage = 'train' ORDER BY step DESC LIMIT 10", i => [Run(i)], null),
            ("per-step jsonb rows: the last 10 steps, the range from run_stages.last_step", "SELECT * FROM {s}.stats_by_step WHERE run = $1 AND stage = 'train' AND step > (SELECT st.last_step - 10 FROM {s}.run_stages st JOIN {s}.runs r ON r.id = st.run_id WHERE r.name = $1 AND st.stage = 'train') ORDER BY step DESC", i => [Run(i)], null),
            ($"one key's every value through the stats view ({steps} rows)", "SELECT s.step, s.value FROM {s}.stats s JOIN {s}.runs r ON r.id = s.run_id WHERE r.name = $1 AND s.stage = 'train' AND s.name = 'total_energy' ORDER BY s.step", i => [Run(i)], null),
        };
        foreach (var (name, sql, parameters, goal) in _args.Contains("--commands-only") ? [] : queries)
        {
            var cells = new List<string>();
            long rows = 0;
            foreach (var schema in schemas)
            {
                (var ms, rows) = await timer.QueryAsync(sql.Replace("{s}", schema, StringComparison.Ordinal), parameters);
                if (schema == Plain && goal is not null)
                {
                    _goals.Measured(goal, ms);
                }

                cells.Add(ms.ToString("F1", CultureInfo.InvariantCulture));
            }

            Line($"| {name} | {string.Join(" | ", cells)} | {rows:N0} |");
        }

        var empty = Directory.CreateTempSubdirectory("jaqmc-view-scale-").FullName;
        try
        {
            var plot = Path.Combine(empty, "energy.png");
            var commands = new (string Name, string[] Args, string? Goal)[]
            {
                ("`jaqmc runs <empty dir> -c`", ["runs", empty], ViewScaleGoals.RunsCommand),
                ("`jaqmc show <run> -c`", ["show", Run(3)], ViewScaleGoals.ShowCommand),
                ($"`jaqmc plot <{steps}-step run> -c` (1200 px)", ["plot", Run(4), "-o", plot], ViewScaleGoals.PlotCommand),
                ($"`jaqmc plot <{longSteps}-step run> -c` (1200 px)", ["plot", ScaleShape.LongRun, "-o", plot], null),
                ($"`jaqmc export <{longSteps}-step run> --to csv` (peak memory)", ["export", ScaleShape.LongRun, "--to", "csv", "--stage", "train", "-o", "OUT"], null),
            };
            foreach (var (name, args, goal) in commands)
            {
                var cells = new List<string>();
                var peak = 0.0;
                foreach (var schema in schemas)
                {
                    // export refuses to overwrite: one run, into a fresh directory.
                    var output = Path.Combine(empty, "export-" + schema);
                    var run = args.Select(a => a == "OUT" ? output : a).ToArray();
                    var results = args[0] == "export"
                        ? [await TimeExportAsync(timer, schema, empty, run, output)]
                        : await timer.CommandAsync(schema, empty, run);
                    peak = Math.Max(peak, results.Max(r => r.PeakMb));
                    if (schema == Plain && goal is not null)
                    {
                        _goals.Measured(goal, results[^1].Ms);
                    }

                    cells.Add(string.Join(" → ", results.Select(r => Invariant($"{r.Ms:F0} (CPU {r.CpuMs:F0})"))));
                }

                Line($"| {name} | {string.Join(" | ", cells)} | peak {peak:F0} MB |");
            }
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }

    /// <summary>The builds whose whole commands are timed: <c>--jaqmc-before</c>'s, if given, then <c>--jaqmc</c>'s.</summary>
    private string[] JaqmcBuilds() =>
        new[] { StringOption("--jaqmc-before"), StringOption("--jaqmc") ?? DefaultJaqmcDll() }.OfType<string>().Select(Path.GetFullPath).ToArray();

    private static async Task<(double Ms, double CpuMs, double PeakMb)> TimeExportAsync(ViewTimer timer, string schema, string directory, string[] args, string output)
    {
        // One timed run (it writes a 1 M-row file); the directory must not hold the file yet.
        if (Directory.Exists(output))
        {
            Directory.Delete(output, recursive: true);
        }

        var result = await timer.CommandOnceAsync(schema, directory, args);
        Directory.Delete(output, recursive: true);
        return result;
    }

    private async Task ReportWriterAsync(NpgsqlDataSource source, string[] schemas)
    {
        var loop = new WriterLoop(source, _shape.Keys);
        var rounds = CommandHelpers.Option(_args, "--writer-rounds", 3);
        var batches = CommandHelpers.Option(_args, "--writer-batches", 20);
        const string WritersLayout = "version 4, key by key within a batch (the writer)";
        var variants = new List<(string Name, string Schema, bool KeyByKey)>();
        if (schemas.Contains(Version3))
        {
            variants.Add(("version 3: key (stage_id, step, key_id), step by step", Version3, false));
        }

        variants.Add(("version 4, step by step (the writer before)", Plain, false));
        variants.Add((WritersLayout, Plain, true));
        if (schemas.Contains(Partitioned))
        {
            variants.Add(("version 4, hash-partitioned, key by key within a batch", Partitioned, true));
        }

        Line($"\n## Writer ({batches} batches of 4,096 records of {_shape.Keys} keys per round, {rounds} rounds interleaved) and resume");
        Line("| variant | records/s (median) | each round | server CPU µs per record (median; each round) | resume: delete the 2,000-step tail of a run just written (median ms, each) |");
        Line("|---|---|---|---|---|");
        var rates = variants.ToDictionary(v => v.Name, _ => new List<double>());
        var serverCpu = variants.ToDictionary(v => v.Name, _ => new List<double>());
        var written = variants.ToDictionary(v => v.Name, _ => new List<string>());
        for (var round = 0; round < rounds; round++)
        {
            foreach (var (name, schema, keyByKey) in variants)
            {
                var (rate, cpu, run) = await loop.RecordsPerSecondAsync(schema, batches, 4096, keyByKey);
                rates[name].Add(rate);
                serverCpu[name].Add(cpu);
                written[name].Add(run);
            }
        }

        // Resume right after writing, as after a crash: the tail of each run this variant just wrote, twice each
        // (the delete is rolled back), interleaved across the variants.
        var deletes = variants.ToDictionary(v => v.Name, _ => new List<double>());
        for (var repeat = 0; repeat < 2; repeat++)
        {
            for (var r = 0; r < rounds; r++)
            {
                foreach (var (name, schema, _) in variants)
                {
                    deletes[name].Add(await loop.ResumeDeleteMsAsync(schema, written[name][r], 2_000));
                }
            }
        }

        _goals.Measured(ViewScaleGoals.WriterThroughput, CommandHelpers.Median(rates[WritersLayout]));
        _goals.Measured(ViewScaleGoals.ResumeDelete, CommandHelpers.Median(deletes[WritersLayout]));
        foreach (var (name, _, _) in variants)
        {
            Line($"| {name} | {CommandHelpers.Median(rates[name]):N0} | {string.Join(", ", rates[name].Select(r => r.ToString("N0", CultureInfo.InvariantCulture)))} | {CommandHelpers.Median(serverCpu[name]):F1} ({string.Join(", ", serverCpu[name].Select(r => r.ToString("F1", CultureInfo.InvariantCulture)))}) | {CommandHelpers.Median(deletes[name]):F1} ({string.Join(", ", deletes[name].Select(d => d.ToString("F0", CultureInfo.InvariantCulture)))}) |");
        }
    }

    private const string RunsListSql = """
        SELECT r.id, r.name, r.status, r.updated_at, st.stage, st.status, st.last_step, l.value
        FROM {s}.runs r
        LEFT JOIN {s}.run_stages st ON st.run_id = r.id
        LEFT JOIN {s}.stat_keys k ON k.name = 'total_energy'
        LEFT JOIN {s}.stat_latest l ON l.stage_id = st.id AND l.key_id = k.id
        ORDER BY r.updated_at DESC, r.id, st.started_at
        """;

    private static string DefaultJaqmcDll()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Jaqmc.sln")))
        {
            directory = directory.Parent;
        }

        return Path.Combine(directory?.FullName ?? ".", "src", "Cli", "bin", "Release", "net10.0", "jaqmc.dll");
    }

    private static async Task<double> TimeAsync(NpgsqlDataSource source, string sql)
    {
        var clock = Stopwatch.StartNew();
        await using var connection = await source.OpenConnectionAsync();
        await connection.ExecuteAsync(new CommandDefinition(sql, commandTimeout: 0));
        return clock.Elapsed.TotalSeconds;
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlDataSource source, string sql)
    {
        await using var connection = await source.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<T>(sql) ?? throw new InvalidOperationException(sql);
    }

    private static async Task<T> QuerySingleAsync<T>(NpgsqlDataSource source, string sql)
    {
        await using var connection = await source.OpenConnectionAsync();
        return await connection.QuerySingleAsync<T>(sql);
    }

    private static void Line(string text) => Console.WriteLine(text);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
