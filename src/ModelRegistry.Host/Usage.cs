using ModelRegistry.Platform;

namespace ModelRegistry.Host;

internal static class Usage
{
    /// <summary>The text of <c>--help</c>: the workers and their own settings come from the module catalog.</summary>
    public static string Text(IReadOnlyList<IRegistryModule> modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        var workers = string.Concat(modules.Select(m => $"  {m.Name,-16}  {m.Description}\n"));
        var settings = string.Concat(modules.Where(m => m.Settings.Count > 0).Select(m => $"  {m.Name}: {string.Join(", ", m.Settings)}\n"));
        return Head.Replace("@NAMES@", string.Join(", ", modules.Select(m => m.Name)), StringComparison.Ordinal)
            + workers + Middle + settings + Tail;
    }

    private const string Head = """
        ModelRegistry.Host: runs the model registry's workers on RabbitMQ and PostgreSQL.

        Usage: ModelRegistry.Host [--workers NAMES] [--check] [--KEY VALUE ...]
               ModelRegistry.Host --migrate-only [--KEY VALUE ...]

          --workers NAMES   comma-separated workers to run in this process (default: all).
                            Start several processes with any subsets; they share the queues.
                            Workers: @NAMES@
          --check           check settings, broker, database and migration level, then exit
                            (0 = ok, 2 = bad setting, or a runtime role that could alter
                            registry.audit_log, 3 = a service is unreachable or behind);
                            with Health__File set, also the running host's report in that file
                            (1 = stalled, or not rewritten for 3 check intervals)
          --migrate-only    apply pending migrations as Database__MigrationConnectionString (the
                            schema owner), then exit: 0 = migrated, 2 = failed (one line). The
                            separate step run by the operator, CI or an init container; a host
                            never migrates, and refuses to start when the database is behind.
          --help            this text

        Workers:

        """;

    private const string Middle = """

        Settings come from environment variables (KEY__SUB=value) or --KEY:SUB value:
          RabbitMq__Host, RabbitMq__Port, RabbitMq__VirtualHost, RabbitMq__Username,
          RabbitMq__Password, RabbitMq__PrefetchCount, RabbitMq__StopTimeoutSeconds,
          Database__ConnectionString (the runtime role: never a superuser nor the owner of
          registry.audit_log), Database__MigrationConnectionString (--migrate-only only),
          Artifacts__Root, Artifacts__AllowedSourceRoots__0 (__1, ...),
          Artifacts__Fsync, Artifacts__MaxFileBytes, Outbox__BatchTimeoutSeconds,
          Health__CheckIntervalSeconds, Health__MaxStalledSeconds, Health__File,
          Messages__MaxBodyBytes, Access__PolicyFile (who may do what; docs/security.md),
          Logging__Console__FormatterName (simple | json)
        Each worker's own settings, read (and required) only where it runs:

        """;

    private const string Tail = """
        Defaults match compose/services.sh; see README.md for the full table.

        SIGTERM or Ctrl-C stops consuming, lets in-flight messages finish (up to
        RabbitMq__StopTimeoutSeconds), and returns unfinished ones to their queues.
        Exit codes while running: 0 stopped, 1 stopped on an error, 4 stalled: the bus did
        not consume (or the outbox relay failed) for Health__MaxStalledSeconds although the
        services answered; run the host under a supervisor that restarts it (run.sh does).

        """;
}
