using ModelRegistry.Benchmarks;

return args.FirstOrDefault() switch
{
    "registrations" => await RegistrationBenchmark.RunAsync(args[1..]),
    "ingest" => await IngestBenchmark.RunAsync(args[1..]),
    "audit" => await AuditBenchmark.RunAsync(args[1..]),
    "promotions" => await PromotionBenchmark.RunAsync(args[1..]),
    "heartbeats" => await HeartbeatBenchmark.RunAsync(args[1..]),
    "admission" => await AdmissionBenchmark.RunAsync(args[1..]),
    "trace" => await TraceBenchmark.RunAsync(args[1..]),
    "retention" => await RetentionBenchmark.RunAsync(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("""
        Usage: ModelRegistry.Benchmarks registrations [--count N] [--models M] [--rounds R] [--warmup W] [--client plain|masstransit] [--set KEY=VALUE ...]
               ModelRegistry.Benchmarks ingest [--mib N] [--rounds R]
               ModelRegistry.Benchmarks audit [--records N] [--writers W] [--appends A] [--rounds R]
               ModelRegistry.Benchmarks promotions [--count N] [--warmup W] [--models M] [--concurrency C] [--rounds R] [--set KEY=VALUE ...]
               ModelRegistry.Benchmarks heartbeats [--endpoints N] [--heartbeats H] [--rounds R] [--set KEY=VALUE ...]
               ModelRegistry.Benchmarks admission [--count N] [--warmup W] [--rounds R]
               ModelRegistry.Benchmarks trace [--intervals N] [--endpoints E] [--versions V] [--probes P]
               ModelRegistry.Benchmarks retention [--versions N] [--models M] [--rounds R] [--database 0|1] [--archive-versions A]

        registrations: publishes N ModelTrained events (default 10,000, two small files each, over M models, default
          50) through the real broker to a real host process, after W untimed warm-up registrations (default 10,000:
          the host's tier-1 JIT), and measures registrations/s (publish to ModelVersionRegistered observed) and
          p50/p99 latency; in the same run, raw MassTransit publish->consume of an empty message on the same broker
          (warmed up with half as many, untimed); prints both and their ratio, and per round the CPU per
          registration of host, PostgreSQL, RabbitMQ, benchmark and the rest, the idle share and the rate of the
          middle 80 % of completions. Medians over R rounds (default 3). --client: the simulated pipelines publish
          plain JSON with RabbitMQ.Client (plain, default) or through a MassTransit bus. --set passes a setting to
          the host (e.g. --set Artifacts__Fsync=false to see what fsync costs).
        ingest: artifact ingest MB/s of one N MiB file (default 1024) through the content-addressed store
          against `sha256sum` of the same file, alternating, medians over R rounds (default 3).
        audit: audit appends/s from W concurrent writers (default 4), A appends per round (default 2000), each
          its own committed transaction; then a COPY to N records (default 1000000) and `audit verify` over
          all of them (records/s), and the same chain check in memory. Medians over R rounds (default 3).
        promotions: promotion latency, RequestPromotion published to ModelVersionPromoted observed, against a real host
          process running every worker: tier "low" registered -> production (no gates, no approvals) and tier "high"
          staging -> production with two approvals answered by a simulated ticketing client (alice, bob). N timed
          promotions per scenario (default 500) one in flight over M models (default 10), after W untimed ones (default
          300); then N more with C models promoted at once (default 8; 0: skip) for promotions/s. Any PromotionRejected
          or ApprovalRefused fails the run. Prints p50/p99/max, medians over R rounds (default 3), and the targets.
        heartbeats: EndpointInventoryReported ingestion against a real host process running the deployments worker (batch
          consumer on deployment-inventory): N endpoints (default 2000) each serving two unregistered artifacts are reconciled
          once (untimed), then each sends H unchanged heartbeats (default 25), published through a MassTransit bus; timed
          until a changed heartbeat published last is recorded and the queue has nothing ready. In the same run, raw
          MassTransit publish->consume of as many empty messages; prints both and their ratio (target >= 0.5), medians over
          R rounds (default 3). --set passes a setting to the host (e.g. --set Deployments__LastReportedGranularity=00:00:00:
          no cache, every batch read and written).
        admission: admission check round trip (CheckDeploymentAdmission to DeploymentAdmitted/DeploymentDenied) through
          MassTransit's request client against an idle host process, one in flight: N timed requests (default 2,000)
          after W untimed (default 500), cycling admitted by name, admitted by digest, denied unregistered; a wrong
          answer fails the run. Prints p50/p99/max, medians over R rounds (default 3), and the target (p99 <= 20 ms).
        trace: `mreg trace` at scale. Fills a fresh database by binary COPY with N deployment history intervals (default
          10,000,000) over E endpoints (default 10,000) and V registered versions (default 100,000, 100 per model), the
          history table's indexes and foreign keys dropped for the load and rebuilt after it; prints the fill time, each
          index's build time, then p50/p99 of P random (endpoint, instant) probes (default 10,000) of the trace query
          (DeploymentQueries.TraceSql), after a warm-up, and the plan of one probe. Target: p99 <= 5 ms.
        retention: the retention plan at scale. Generates N versions (default 1,000,000) over M models (default N/100)
          with stage history, serving deployments, open promotions, legal holds, base chains, 5 % shared weights and
          retention states over two years, and times RetentionPlanner.Plan alone (median of R rounds, default 3); then
          (--database 1, the default) loads the same registry by binary COPY into a fresh database with the real
          migrations and times RetentionFactsQuery.AllAsync and the plan over its facts (checked to be the plan made in
          memory). Target: <= 10 s for 1,000,000 versions. Then the rate of archive actions end to end: A versions
          (default 2,000; 0: skip) registered through a real host and archived by one sweep over the broker.

        Needs the services of compose/services.sh (./test.sh or compose/services.sh up) and a Release build.
        """);
    return 2;
}
