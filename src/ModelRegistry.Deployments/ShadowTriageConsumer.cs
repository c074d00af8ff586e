using Dapper;
using MassTransit;
using Microsoft.Extensions.Logging;
using ModelRegistry.Contracts.Deployments;
using ModelRegistry.Deployments.Rules;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Audit;
using ModelRegistry.Platform.Identity;
using ModelRegistry.Platform.Rules;
using Npgsql;

namespace ModelRegistry.Deployments;

/// <summary>
/// <c>mreg shadow adopt | dismiss</c>: decides with <see cref="ShadowTriageRules"/>, writes registry.shadow_triage,
/// audits the decision (shadow.adopted, shadow.dismissed, or shadow.refused with the reason) and answers with
/// <see cref="ShadowModelTriaged"/>, all in one transaction. A request id is carried out once. Only a principal with the
/// triage role may triage (docs/deployments.md, "Serving principals"); it is the audit actor and the row's triaged_by,
/// the body's requestedBy stays information.
/// </summary>
public sealed class ShadowTriageConsumer(NpgsqlDataSource dataSource, AccessPolicy access, IMessagePrincipal principals, TimeProvider clock,
    ILogger<ShadowTriageConsumer> logger)
    : IConsumer<AdoptShadowModel>, IConsumer<DismissShadowModel>
{
    public const string Consumer = "shadow-triage";

    public Task Consume(ConsumeContext<AdoptShadowModel> context)
    {
        var m = context.Message;
        var principal = principals.SenderOf(context);
        return TriageAsync(m.RequestId, m.ManifestDigest, principal, m.RequestedBy, m.ModelName,
            (sighted, registered, now) => ShadowTriageRules.Adopt(m, sighted, registered, now),
            decision => new ShadowTriageRow(m.ManifestDigest, ShadowTriageRules.Adopted, m.ModelName, m.Owner,
                m.RegisterBy?.ToUniversalTime(), decision.VersionId, null, principal!, default, m.RequestId),
            decision => new { requestId = m.RequestId, outcome = decision.Outcome, modelName = m.ModelName, owner = m.Owner, registerBy = m.RegisterBy,
                versionId = decision.VersionId, message = decision.Message, requestedBy = m.RequestedBy },
            "shadow.adopted", context.CancellationToken);
    }

    public Task Consume(ConsumeContext<DismissShadowModel> context)
    {
        var m = context.Message;
        var principal = principals.SenderOf(context);
        return TriageAsync(m.RequestId, m.ManifestDigest, principal, m.RequestedBy, null,
            (sighted, registered, _) => ShadowTriageRules.Dismiss(m, sighted, registered),
            _ => new ShadowTriageRow(m.ManifestDigest, ShadowTriageRules.Dismissed, null, null, null, null, m.Reason, principal!, default, m.RequestId),
            decision => new { requestId = m.RequestId, outcome = decision.Outcome, reason = m.Reason, message = decision.Message, requestedBy = m.RequestedBy },
            "shadow.dismissed", context.CancellationToken);
    }

    private Task TriageAsync(Guid requestId, string? digest, string? principal, string? requestedBy, string? modelName,
        Func<bool, RegisteredArtifact?, DateTimeOffset, ShadowTriageDecision> decide, Func<ShadowTriageDecision, ShadowTriageRow> row,
        Func<ShadowTriageDecision, object> details, string action, CancellationToken cancellationToken)
    {
        if (requestId == Guid.Empty) throw new InvalidMessageException("requestId is missing (a new UUID per request)");
        return DatabaseResilience.Pipeline.ExecuteAsync(async token =>
        {
            var now = clock.GetUtcNow();
            await using var work = await UnitOfWork.BeginAsync(dataSource, token);
            if (!await work.TryMarkInboxAsync(requestId, Consumer, token))
            {
                logger.LogInformation("Shadow triage {RequestId} was already carried out", requestId);
                return;
            }
            RegisteredArtifact? registered = null;
            ShadowTriageDecision decision;
            if (ShadowTriageRules.Requester(principal, access) is { } refused)
                decision = ShadowTriageDecision.Refuse(refused);
            else
            {
                var sighted = digest is not null && await work.Connection.ExecuteScalarAsync<bool>(new CommandDefinition(ShadowTriageSql.Sighted,
                    new { digest }, work.Transaction, cancellationToken: token));
                registered = digest is null ? null : await RegisteredAsync(work, digest, token);
                decision = decide(sighted, registered, now);
            }
            var actor = principal ?? DeploymentStore.AuditActor;
            var subject = Bounded.Clip(digest, 200);
            var model = Bounded.Clip(modelName ?? registered?.ModelName, 200);
            if (decision.Refused)
            {
                work.Audit(new AuditAppend(actor, "shadow.refused", "shadow", subject.Length > 0 ? subject : "(none)",
                    model.Length > 0 ? model : null, new
                    {
                        requestId, request = action == "shadow.adopted" ? "adopt" : "dismiss", reasonCode = decision.Refusal!.ReasonCode,
                        reason = AuditText.Storable(decision.Message), requestedBy = AuditText.Storable(Bounded.Clip(requestedBy, ShadowTriageRules.MaxRequesterLength)),
                    }));
                logger.LogWarning("Shadow triage {RequestId} of {Digest} refused: {Reason} {Message}", requestId, subject, decision.Refusal.ReasonCode, decision.Message);
            }
            else
            {
                await work.Connection.ExecuteAsync(new CommandDefinition(ShadowTriageSql.Upsert, row(decision) with { TriagedAt = now.UtcDateTime },
                    work.Transaction, cancellationToken: token));
                work.Audit(new AuditAppend(actor, action, "shadow", subject, model.Length > 0 ? model : null, details(decision)));
            }
            work.Publish(new ShadowModelTriaged
            {
                RequestId = requestId,
                ManifestDigest = subject,
                Outcome = decision.Outcome,
                ReasonCode = decision.Refusal?.ReasonCode,
                Message = Bounded.Storable(decision.Message),
                TriagedBy = principal,
                At = now,
            });
            await work.CommitAsync(now, token);
        }, cancellationToken).AsTask();
    }

    private static async Task<RegisteredArtifact?> RegisteredAsync(UnitOfWork work, string digest, CancellationToken token)
    {
        var found = await work.Connection.QueryAsync<ResolvedVersion>(new CommandDefinition(DeploymentSql.VersionsByDigest,
            new { digests = new[] { digest } }, work.Transaction, cancellationToken: token));
        return found.Select(v => new RegisteredArtifact(v.VersionId, v.ModelName, v.Version)).FirstOrDefault();
    }

    private sealed record ShadowTriageRow(string Digest, string Status, string? ModelName, string? Owner, DateTimeOffset? RegisterBy, Guid? VersionId,
        string? Reason, string TriagedBy, DateTime TriagedAt, Guid RequestId);
}
