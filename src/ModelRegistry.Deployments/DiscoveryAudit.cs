using System.Text.Json;
using Dapper;
using Microsoft.Extensions.Logging;
using ModelRegistry.Contracts.Deployments;
using ModelRegistry.Deployments.Rules;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Audit;
using ModelRegistry.Platform.Outbox;
using Npgsql;

namespace ModelRegistry.Deployments;

/// <summary>
/// One run of the discovery audit (docs/deployments.md, "Discovery audit"): silent endpoints, unregistered digests and
/// retired versions still serving, deploy instructions past due (each new one raised as deploy_not_acknowledged); the
/// run's row, its audit record and <see cref="DiscoveryAuditCompleted"/> in one unit of work with the violations.
/// </summary>
public sealed class DiscoveryAudit(NpgsqlDataSource dataSource, DeploymentsOptions options, EnvironmentPolicy policy, TimeProvider clock,
    ILogger<DiscoveryAudit> logger)
{
    public const string Consumer = "discovery-audit";

    /// <summary>
    /// Runs the audit the schedule asked for at <paramref name="scheduledFor"/>, as <paramref name="auditId"/> (the
    /// firing's id: a redelivered firing does not run twice). Skipped, returning null, when a run started at or after
    /// that time already (firings queued while no host ran this worker need one run, not one each).
    /// </summary>
    public Task<DiscoveryAuditCompleted?> RunAsync(Guid auditId, DateTimeOffset scheduledFor, CancellationToken cancellationToken) =>
        DatabaseResilience.Pipeline.ExecuteAsync(async token =>
        {
            var started = clock.GetUtcNow();
            await using var work = await UnitOfWork.BeginAsync(dataSource, token);
            if (!await work.TryMarkInboxAsync(auditId, Consumer, token)) return null;
            if (await work.Connection.ExecuteScalarAsync<DateTime?>(new CommandDefinition(DiscoveryAuditSql.LatestRun, null, work.Transaction,
                    cancellationToken: token)) is { } latest && Utc(latest) >= scheduledFor)
            {
                await work.CommitAsync(started, token);
                logger.LogInformation("Discovery audit due {Scheduled:u} skipped: a run started at {Latest:u}", scheduledFor, Utc(latest));
                return null;
            }

            var linked = await work.Connection.ExecuteAsync(new CommandDefinition(DiscoveryAuditSql.LinkRegistered, null, work.Transaction,
                cancellationToken: token));
            var endpoints = (await QueryAsync<EndpointRow>(work, DiscoveryAuditSql.Endpoints, null, token)).Select(e => e.ToFact()).ToList();
            var silent = DiscoveryAuditRules.SilentEndpoints(endpoints, started, options.SilentEndpointAfter);
            var unregistered = DiscoveryAuditRules.Bounded((await QueryAsync<(string EndpointId, string Subject)>(work,
                DiscoveryAuditSql.UnregisteredServing, null, token)).Select(u => $"{u.EndpointId} {u.Subject}"));
            var retired = DiscoveryAuditRules.Bounded((await QueryAsync<(string EndpointId, string ModelName, int Version)>(work,
                DiscoveryAuditSql.RetiredServing, null, token)).Select(r => $"{r.EndpointId} {r.ModelName} v{r.Version}"));
            var pastDue = (await QueryAsync<PastDueRow>(work, DiscoveryAuditSql.PastDue, new { now = started.UtcDateTime }, token)).ToList();
            var raised = await RaiseUnacknowledgedAsync(work, pastDue, started, token) + await RaiseServingAsync(work, started, token);

            var completed = clock.GetUtcNow();
            var summary = new DiscoveryAuditCompleted
            {
                AuditId = auditId,
                StartedAt = started,
                CompletedAt = completed,
                Endpoints = endpoints.Count,
                SilentEndpoints = [.. silent.Listed],
                SilentEndpointCount = silent.Count,
                UnregisteredServing = [.. unregistered.Listed],
                UnregisteredServingCount = unregistered.Count,
                RetiredServing = [.. retired.Listed],
                RetiredServingCount = retired.Count,
                UnacknowledgedDeploys = [.. pastDue.Take(DiscoveryAuditRules.MaxListed).Select(p => p.InstructionId)],
                UnacknowledgedDeployCount = pastDue.Count,
                NewViolations = raised,
            };
            await work.Connection.ExecuteAsync(new CommandDefinition(DiscoveryAuditSql.InsertRun, new
            {
                id = auditId, started = started.UtcDateTime, completed = completed.UtcDateTime,
                summary = JsonSerializer.Serialize(summary, OutboxMessageTypes.Json),
            }, work.Transaction, cancellationToken: token));
            work.Publish(summary);
            work.Audit(new AuditAppend(DeploymentStore.AuditActor, "deployment.discovery_audit", "discovery_audit", auditId.ToString("D"), null, new
            {
                scheduledFor, startedAt = started, completedAt = completed, endpoints = endpoints.Count,
                silentEndpoints = silent.Count, unregisteredServing = unregistered.Count, retiredServing = retired.Count,
                unacknowledgedDeploys = pastDue.Count, newViolations = raised, linkedIntervals = linked,
                silentAfter = options.SilentEndpointAfter.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
            }));
            await work.CommitAsync(completed, token);
            logger.LogInformation("Discovery audit {Audit}: {Endpoints} endpoints, {Silent} silent, {Unregistered} unregistered and {Retired} retired "
                + "serving, {PastDue} deploys unacknowledged ({New} new violations)", auditId, endpoints.Count, silent.Count, unregistered.Count,
                retired.Count, pastDue.Count, raised);
            return summary;
        }, cancellationToken).AsTask();

    /// <summary>Raises deploy_not_acknowledged for each past-due instruction not raised yet; returns how many were raised now.</summary>
    private static async Task<int> RaiseUnacknowledgedAsync(UnitOfWork work, IReadOnlyList<PastDueRow> pastDue, DateTimeOffset now, CancellationToken token)
    {
        var raised = new List<Guid>();
        foreach (var p in pastDue.Where(p => AcknowledgementStates.NeedsViolation(null, Utc(p.DueAt), p.ViolationRaisedAt is { } r ? Utc(r) : null, now)))
        {
            var candidate = new ViolationCandidate(DeploymentReasons.DeployNotAcknowledged, $"{DeploymentReasons.DeployNotAcknowledged}|{p.InstructionId:D}",
                $"{p.ModelName}/{p.Version} ({p.Digest}) was to serve in production by {Utc(p.DueAt):u} ({p.Cause} {p.InstructionId:D}, issued "
                + $"{Utc(p.IssuedAt):u}); no ModelDeployed has acknowledged it",
                Environment: DeployAcknowledgement.ProductionEnvironment, ModelName: p.ModelName, Version: p.Version, ManifestDigest: p.Digest,
                InstructionId: p.InstructionId);
            if (await PolicyViolations.RaiseAsync(work, candidate, now, token)) raised.Add(p.InstructionId);
        }
        if (raised.Count > 0)
            await work.Connection.ExecuteAsync(new CommandDefinition(DiscoveryAuditSql.MarkRaised, new { now = now.UtcDateTime, ids = raised.ToArray() },
                work.Transaction, cancellationToken: token));
        return raised.Count;
    }

    /// <summary>Checks everything serving now against the policy (what changed stage since it was deployed); returns the new violations.</summary>
    private async Task<int> RaiseServingAsync(UnitOfWork work, DateTimeOffset now, CancellationToken token)
    {
        var raised = 0;
        foreach (var endpoint in (await QueryAsync<OpenRow>(work, DiscoveryAuditSql.OpenIntervals, null, token)).GroupBy(o => (o.EndpointId, o.Environment)))
            raised += await ServingViolations.RaiseAsync(work, policy, endpoint.Key.EndpointId, endpoint.Key.Environment,
                endpoint.Select(o => o.ToResolved()).ToList(), now, token);
        return raised;
    }

    private static Task<IEnumerable<T>> QueryAsync<T>(UnitOfWork work, string sql, object? parameters, CancellationToken token) =>
        work.Connection.QueryAsync<T>(new CommandDefinition(sql, parameters, work.Transaction, cancellationToken: token));

    private static DateTimeOffset Utc(DateTime t) => new(DateTime.SpecifyKind(t, DateTimeKind.Utc));

    private sealed record EndpointRow(string EndpointId, string Environment, DateTime LastEventAt, DateTime? LastReportedAt, int Serving)
    {
        public EndpointFact ToFact() => new(EndpointId, Environment, Utc(LastEventAt), LastReportedAt is { } r ? Utc(r) : null, Serving);
    }

    private sealed record OpenRow(string EndpointId, string Environment, string DeploymentId, Guid? VersionId, string? ModelName, int? Version,
        string? Digest, double Traffic, DateTime FromAt, string Source)
    {
        public ResolvedInterval ToResolved() => new(
            new HistoryInterval(DeploymentId, ModelName, Version, Digest, Traffic, Utc(FromAt), null, Source, null),
            VersionId is { } id && ModelName is not null && Version is not null && Digest is not null ? new ResolvedVersion(Digest, id, ModelName, Version.Value) : null);
    }

    private sealed record PastDueRow(Guid InstructionId, string Cause, string ModelName, int Version, string Digest, DateTime IssuedAt, DateTime DueAt,
        DateTime? ViolationRaisedAt);
}
