namespace ModelRegistry.Host;

internal static class Usage
{
    public const string Text = """
        ModelRegistry.Host: runs the model registry's workers on RabbitMQ and PostgreSQL.

        Usage: ModelRegistry.Host [--workers NAMES] [--check] [--KEY VALUE ...]

          --workers NAMES   comma-separated workers to run in this process (default: all).
                            Start several processes with any subsets; they share the queues.
                            Workers: registration, evaluation, promotion, probe
          --check           check settings, broker, database and migration level, then exit
                            (0 = ok, 2 = bad setting, 3 = a service is unreachable or behind);
                            with Health__File set, also the running host's report in that file
                            (1 = stalled, or not rewritten for 3 check intervals)
          --help            this text

        Settings come from environment variables (KEY__SUB=value) or --KEY:SUB value:
          RabbitMq__Host, RabbitMq__Port, RabbitMq__VirtualHost, RabbitMq__Username,
          RabbitMq__Password, RabbitMq__PrefetchCount, RabbitMq__StopTimeoutSeconds,
          Database__ConnectionString, Database__MigrationConnectionString,
          Database__MigrateAtStart, Artifacts__Root, Artifacts__AllowedSourceRoots__0 (__1, ...),
          Artifacts__Fsync, Artifacts__MaxFileBytes, Registration__ConcurrentMessageLimit,
          Registration__PrefetchCount, Outbox__BatchTimeoutSeconds, Health__CheckIntervalSeconds,
          Health__MaxStalledSeconds, Health__File, Messages__MaxBodyBytes,
          Logging__Console__FormatterName (simple | json)
        The promotion worker also needs (docs/promotion.md, docs/ticketing.md):
          Promotion__PolicyFile (required), Promotion__DefaultEvaluationTimeout,
          Ticketing__Integrations__<name>__Secret, Approvers__<person>__Roles__0 (__1, ...)
        Defaults match compose/services.sh; see README.md for the full table.

        SIGTERM or Ctrl-C stops consuming, lets in-flight messages finish (up to
        RabbitMq__StopTimeoutSeconds), and returns unfinished ones to their queues.
        Exit codes while running: 0 stopped, 1 stopped on an error, 4 stalled: the bus did
        not consume (or the outbox relay failed) for Health__MaxStalledSeconds although the
        services answered; run the host under a supervisor that restarts it (run.sh does).

        """;
}
