using System.Reflection;
using Dapper;
using DbUp;
using DbUp.Engine;
using DbUp.Engine.Output;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ModelRegistry.Platform;

/// <summary>The migration level of a database: which scripts ran, which are still to run.</summary>
public sealed record MigrationStatus(IReadOnlyList<string> Applied, IReadOnlyList<string> Pending)
{
    public bool UpToDate => Pending.Count == 0;
    public string? Latest => Applied.Count == 0 ? null : Applied[^1];
}

/// <summary>
/// Runs the versioned SQL migrations with DbUp, as the schema owner, under an advisory lock so
/// that several hosts starting at once migrate one after the other.
/// </summary>
public sealed class DatabaseMigrator(DatabaseOptions options, ILogger<DatabaseMigrator> logger)
{
    private const string JournalSchema = "public";
    private const string JournalTable = "schema_versions";
    private const long AdvisoryLockKey = 0x6d726567_6d696772; // "mregmigr"

    public async Task<MigrationStatus> MigrateAsync(CancellationToken cancellationToken = default) =>
        await DatabaseResilience.Pipeline.ExecuteAsync(MigrateOnceAsync, cancellationToken);

    private async ValueTask<MigrationStatus> MigrateOnceAsync(CancellationToken cancellationToken)
    {
        await using var lockConnection = new NpgsqlConnection(options.EffectiveMigrationConnectionString);
        await lockConnection.OpenAsync(cancellationToken);
        await lockConnection.ExecuteAsync(new CommandDefinition(
            "SELECT pg_advisory_lock(@key)", new { key = AdvisoryLockKey }, cancellationToken: cancellationToken));
        try
        {
            var engine = BuildEngine();
            var result = engine.PerformUpgrade();
            if (!result.Successful)
                throw new MigrationFailedException(result.ErrorScript?.Name ?? "(unknown)", result.Error);
            foreach (var script in result.Scripts)
                logger.LogInformation("Applied migration {Script}", script.Name);
            return Status(engine);
        }
        finally
        {
            await lockConnection.ExecuteAsync("SELECT pg_advisory_unlock(@key)", new { key = AdvisoryLockKey });
        }
    }

    /// <summary>The level as the migration role reads it (<c>mreg db migrate</c>, <c>mreg status</c>).</summary>
    public MigrationStatus GetStatus() => Status(BuildEngine());

    /// <summary>
    /// The level as the role of <paramref name="connectionString"/> reads it: a host reads it as its runtime role, which may
    /// read the journal from migration 0018 on. Below that the journal is there but unreadable:
    /// <see cref="MigrationLevelUnreadableException"/>.
    /// </summary>
    public async Task<MigrationStatus> ReadStatusAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        var scripts = BuildEngine(connectionString).GetDiscoveredScripts().Select(s => s.Name).Order(StringComparer.Ordinal).ToList();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        var journal = await connection.QuerySingleAsync<(bool Exists, bool Readable)>(new CommandDefinition(JournalAccess,
            new { journal = $"{JournalSchema}.{JournalTable}" }, cancellationToken: cancellationToken));
        if (!journal.Exists) return new([], scripts);
        if (!journal.Readable)
            throw new MigrationLevelUnreadableException(new NpgsqlConnectionStringBuilder(connectionString).Username ?? "?", $"{JournalSchema}.{JournalTable}");
        var applied = (await connection.QueryAsync<string>(new CommandDefinition(ReadJournal, cancellationToken: cancellationToken))).ToList();
        return new(applied, scripts.Except(applied, StringComparer.Ordinal).ToList());
    }

    private const string JournalAccess = """
        SELECT to_regclass(@journal) IS NOT NULL AS exists,
               to_regclass(@journal) IS NOT NULL AND has_table_privilege(to_regclass(@journal), 'SELECT') AS readable
        """;

    private const string ReadJournal = $"SELECT scriptname FROM {JournalSchema}.{JournalTable} ORDER BY schemaversionsid";

    private static MigrationStatus Status(UpgradeEngine engine) =>
        new(engine.GetExecutedScripts(), engine.GetScriptsToExecute().Select(s => s.Name).ToList());

    private UpgradeEngine BuildEngine(string? connectionString = null) =>
        DeployChanges.To
            .PostgresqlDatabase(connectionString ?? options.EffectiveMigrationConnectionString)
            .JournalToPostgresqlTable(JournalSchema, JournalTable)
            .WithScriptsEmbeddedInAssembly(Assembly.GetExecutingAssembly(), name => name.EndsWith(".sql", StringComparison.Ordinal))
            .WithScript(QuartzSchemaScript.Name, new QuartzSchemaScript(options.AppRole))
            .WithVariable("app_role", options.AppRole)
            .WithTransactionPerScript()
            .LogTo(new DbUpLog(logger))
            .Build();

    private sealed class DbUpLog(ILogger logger) : IUpgradeLog
    {
        public void LogTrace(string format, params object[] args) { }
        public void LogDebug(string format, params object[] args) { }
        public void LogInformation(string format, params object[] args) { }
        public void LogWarning(string format, params object[] args) => logger.LogWarning("{Message}", string.Format(format, args));
        public void LogError(string format, params object[] args) => logger.LogError("{Message}", string.Format(format, args));
        public void LogError(Exception ex, string format, params object[] args) => logger.LogError(ex, "{Message}", string.Format(format, args));
    }
}

/// <summary>The role cannot read the migration journal: the database is below the migration that lets it (0018).</summary>
public sealed class MigrationLevelUnreadableException(string role, string journal)
    : Exception($"role {role} may not read the migration journal {journal}: the database is behind (0018_audit_owner grants it)");

public sealed class MigrationFailedException(string script, Exception? inner)
    : Exception($"migration {script} failed: {inner?.Message}", inner)
{
    public string Script { get; } = script;
}
