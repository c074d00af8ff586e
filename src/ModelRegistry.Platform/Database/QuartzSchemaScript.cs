using System.Data;
using DbUp.Engine;

namespace ModelRegistry.Platform;

/// <summary>Where Quartz's job store lives.</summary>
public static class QuartzSchema
{
    public const string Name = "quartz";
    public const string TablePrefix = Name + ".qrtz_";

    /// <summary>The scheduler every host joins (Quartz's <c>sched_name</c>).</summary>
    public const string SchedulerName = "model-registry";
}

/// <summary>
/// Provisions Quartz's AdoJobStore tables in their own schema from the script Quartz ships inside
/// Quartz.dll, so the tables always match the Quartz version we run.
/// </summary>
internal sealed class QuartzSchemaScript(string appRole) : IScript
{
    public const string Name = "0002_quartz_job_store";
    private const string Resource = "Quartz.Impl.AdoJobStore.Schema.create_postgres.sql";

    public string ProvideScript(Func<IDbCommand> dbCommandFactory)
    {
        using var stream = typeof(Quartz.IJob).Assembly.GetManifestResourceStream(Resource)
            ?? throw new InvalidOperationException($"Quartz.dll does not embed {Resource}");
        using var reader = new StreamReader(stream);
        // {0}: prefix with schema; {1}: prefix without it, for index names (see the script's header).
        var tables = reader.ReadToEnd().Replace("{0}", QuartzSchema.TablePrefix, StringComparison.Ordinal)
            .Replace("{1}", "qrtz_", StringComparison.Ordinal);
        return $"""
            CREATE SCHEMA IF NOT EXISTS {QuartzSchema.Name};
            GRANT USAGE ON SCHEMA {QuartzSchema.Name} TO "{appRole}";
            {tables}
            GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {QuartzSchema.Name} TO "{appRole}";
            """;
    }
}
