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

    public MigrationStatus GetStatus() => Status(BuildEngine());

    private static MigrationStatus Status(UpgradeEngine engine) =>
        new(engine.GetExecutedScripts(), engine.GetScriptsToExecute().Select(s => s.Name).ToList());

    private UpgradeEngine BuildEngine() =>
        DeployChanges.To
            .PostgresqlDatabase(options.EffectiveMigrationConnectionString)
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

public sealed class MigrationFailedException(string script, Exception? inner)
    : Exception($"migration {script} failed: {inner?.Message}", inner)
{
    public string Script { get; } = script;
}
