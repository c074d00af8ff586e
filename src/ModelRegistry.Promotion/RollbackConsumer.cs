using Dapper;
using MassTransit;
using Microsoft.Extensions.Logging;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Audit;
using ModelRegistry.Platform.Identity;
using ModelRegistry.Platform.Outbox;
using ModelRegistry.Platform.Rules;
using ModelRegistry.Promotion.Rules;
using Npgsql;

namespace ModelRegistry.Promotion;

/// <summary>
/// Break-glass rollback: the previous production version is production again at once, the current one is retired,
/// serving endpoints get <see cref="DeployModelVersion"/>. No approval wait; the audit record says so, and names the
/// roles the policy asks to review the change after the fact (the production approvers of the model's tier). Only an
/// on-call principal may ask (the broker's validated user_id, docs/security.md), once per incident of a model, and only
/// while the version it rolls back from is still production.
/// </summary>
public sealed class RollbackConsumer(NpgsqlDataSource dataSource, LoadedPromotionPolicy policy, IMessagePrincipal principals, AccessPolicy access,
    TimeProvider clock, ILogger<RollbackConsumer> logger) : IConsumer<RequestRollback>
{
    public async Task Consume(ConsumeContext<RequestRollback> context)
    {
        var (m, ct) = (Storable(context.Message), context.CancellationToken);
        if (m.RollbackId == Guid.Empty) throw new InvalidMessageException("RequestRollback.RollbackId is missing (a new UUID per request)");
        await using var work = await UnitOfWork.BeginAsync(dataSource, ct);
        var now = clock.GetUtcNow();
        if (await work.Connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                "SELECT EXISTS (SELECT 1 FROM registry.rollbacks WHERE rollback_id = @RollbackId)", new { m.RollbackId }, work.Transaction,
                cancellationToken: ct)))
        {
            logger.LogInformation("Rollback {RollbackId} was already done", m.RollbackId);
            return;
        }
        var principal = principals.SenderOf(context);
        var requester = string.IsNullOrEmpty(principal) ? "unknown" : Bounded.Clip(principal, 200);
        if ((PromotionAuthority.MayRollBack(access, principal) ?? await RollBackAsync(work, m, requester, now, ct)) is { } refused)
        {
            work.Publish(new RollbackRejected
            {
                RollbackId = m.RollbackId, ModelName = Bounded.Clip(m.ModelName, 200), IncidentId = Bounded.Clip(m.IncidentId, 200),
                ReasonCode = refused.ReasonCode, Message = refused.Message, RejectedAt = now,
            });
            var model = Bounded.Clip(m.ModelName, 200);
            work.Audit(new AuditAppend(requester, "rollback.rejected", "model", model.Length > 0 ? model : "unknown", null, new
            {
                rollbackId = m.RollbackId, incidentId = Bounded.Clip(m.IncidentId, 200), fromVersion = m.FromVersion, reasonCode = refused.ReasonCode,
                message = refused.Message, claimedBy = Bounded.Clip(m.RequestedBy, 200),
            }));
            logger.LogWarning("Rollback {RollbackId} of {Model} refused: {Reason} {Message}", m.RollbackId, m.ModelName, refused.ReasonCode, refused.Message);
        }
        await work.CommitAsync(now, ct);
    }

    // A NUL or unpaired surrogate fails every write of the text (PostgreSQL refuses it), so the rollback would go to
    // rollback_error, during an incident; as U+FFFD it is stored, and lengths are unchanged for the checks below.
    private static RequestRollback Storable(RequestRollback m) => m with
    {
        ModelName = m.ModelName is null ? null! : Bounded.Storable(m.ModelName),
        IncidentId = m.IncidentId is null ? null! : Bounded.Storable(m.IncidentId),
        RequestedBy = m.RequestedBy is null ? null! : Bounded.Storable(m.RequestedBy),
        Reason = m.Reason is null ? null! : Bounded.Storable(m.Reason),
    };

    private async Task<Rejection?> RollBackAsync(UnitOfWork work, RequestRollback m, string requester, DateTimeOffset now,
        CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(m.ModelName)) return new("invalid_request", "modelName: required");
        if (string.IsNullOrWhiteSpace(m.IncidentId)) return new("invalid_request", "incidentId: required (a rollback answers an incident)");
        if (string.IsNullOrWhiteSpace(m.RequestedBy)) return new("invalid_request", "requestedBy: required");
        if (m.FromVersion < 1) return new("invalid_request", "fromVersion: required (the production version to roll back from)");
        if (string.IsNullOrWhiteSpace(m.Reason)) return new("invalid_request", "reason: required");
        if (m.ModelName.Length > 200 || m.IncidentId.Length > 200 || m.RequestedBy.Length > 200 || m.Reason.Length > PromotionWorkflow.MaxTextLength)
            return new("invalid_request", "a field is too long (names and ids at most 200 characters, the reason 2000)");

        var model = await work.Connection.QuerySingleOrDefaultAsync<(Guid ModelId, string RiskTier)?>(new CommandDefinition(
            "SELECT model_id, risk_tier FROM registry.models WHERE name = @ModelName FOR UPDATE", new { m.ModelName }, work.Transaction,
            cancellationToken: ct));
        if (model is not { } found) return new("unknown_model", $"there is no model {m.ModelName}");
        var earlier = await work.Connection.QuerySingleOrDefaultAsync<(Guid RollbackId, int Restored, int Retired)?>(new CommandDefinition("""
            SELECT rollback_id, restored_version, retired_version FROM registry.rollbacks
            WHERE model_id = @ModelId AND incident_id = @IncidentId ORDER BY rolled_back_at LIMIT 1
            """, new { found.ModelId, m.IncidentId }, work.Transaction, cancellationToken: ct));
        var history = await RollbackQueries.HistoryAsync(work.Connection, work.Transaction, found.ModelId, ct);
        var once = earlier is { } done ? new EarlierRollback(done.RollbackId, done.Restored, done.Retired) : null;
        if (RollbackRules.CheckRequest(m.ModelName, m.IncidentId, m.FromVersion, history.Production, once) is { } stale) return stale;
        var decision = RollbackRules.Decide(m.ModelName, history.Production, history.Changes);
        if (decision.Refused is { } refused) return refused;
        var (previous, retired) = (decision.Target!.Restored, decision.Target.Retired);

        var all = await PromotionStore.StagesAsync(work, found.ModelId, previous, ct);
        var restoredFrom = StageNames.Parse(all.Single(x => x.Version == previous).Stage);
        IReadOnlyList<StageChange> changes =
        [
            new(retired, Stage.Production, Stage.Retired),
            new(previous, restoredFrom, Stage.Production),
        ];
        // Locked above (FOR UPDATE) before anything is queued for the outbox: the stage sequence is in commit order.
        var sequence = await PromotionStore.ApplyStageChangesAsync(work, found.ModelId, all, changes, "rollback", m.RollbackId, requester, now, ct);
        await work.Connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO registry.rollbacks (rollback_id, model_id, restored_version, retired_version, incident_id, requested_by, reason, rolled_back_at)
            VALUES (@RollbackId, @ModelId, @previous, @retired, @IncidentId, @RequestedBy, @Reason, @now)
            """, new { m.RollbackId, found.ModelId, previous, retired, m.IncidentId, RequestedBy = requester, m.Reason, now },
            work.Transaction, cancellationToken: ct));

        var reviewRoles = RiskTierNames.TryParse(found.RiskTier, out var tier)
            ? policy.Policy.For(tier).For(Stage.Production)?.Approvals?.Roles ?? []
            : [];
        var restored = (await PromotionStore.FindVersionAsync(work, m.ModelName, previous, ct))!;
        foreach (var change in changes)
        {
            work.Audit(new AuditAppend(PromotionWorkflow.Actor, "stage.changed", "model_version", $"{m.ModelName}/{change.Version}", m.ModelName,
                new { from = StageNames.Format(change.From), to = StageNames.Format(change.To), cause = "rollback", rollbackId = m.RollbackId }));
        }
        work.Audit(new AuditAppend(requester, "rollback.executed", "model", m.ModelName, m.ModelName, new
        {
            rollbackId = m.RollbackId, incidentId = m.IncidentId, reason = m.Reason, restoredVersion = previous, retiredVersion = retired,
            breakGlass = true, approvalWaited = false, reviewRequiredBy = reviewRoles, claimedBy = m.RequestedBy,
        }));
        work.Publish(new ModelVersionRolledBack
        {
            RollbackId = m.RollbackId, ModelName = m.ModelName, RestoredVersion = previous, RetiredVersion = retired,
            IncidentId = m.IncidentId, RequestedBy = requester, Reason = m.Reason, ReviewRoles = reviewRoles, RolledBackAt = now,
            StageSequence = sequence,
        }, OrderingKeys.Model(m.ModelName));
        work.Publish(new DeployModelVersion
        {
            DeploymentId = m.RollbackId, ModelName = m.ModelName, Version = previous, ModelVersionId = restored.VersionId,
            ManifestDigest = restored.ManifestDigest, Cause = "rollback", ReplacesVersion = retired, IssuedAt = now, StageSequence = sequence,
        }, OrderingKeys.Model(m.ModelName));
        logger.LogWarning("Rolled back {Model}: version {Restored} is production again, {Retired} retired (incident {Incident}, by {By})",
            m.ModelName, previous, retired, m.IncidentId, requester);
        return null;
    }
}

public sealed class RollbackConsumerDefinition : ConsumerDefinition<RollbackConsumer>
{
    public const string Queue = "rollback";

    public RollbackConsumerDefinition() => EndpointName = Queue;

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<RollbackConsumer> consumerConfigurator, IRegistrationContext context) =>
        endpointConfigurator.UseInfrastructureRetry(e => e is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation });
}
