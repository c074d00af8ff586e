using Dapper;
using MassTransit;
using Microsoft.Extensions.Logging;
using ModelRegistry.Contracts.Retention;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Audit;
using ModelRegistry.Platform.Identity;
using ModelRegistry.Platform.Rules;
using ModelRegistry.Retention.Rules;
using Npgsql;

namespace ModelRegistry.Retention;

/// <summary>
/// <c>mreg hold place | release</c>: places or releases a legal hold (registry.legal_holds), audits it (hold.placed,
/// hold.released, or hold.refused with the reason) and answers with <see cref="LegalHoldChanged"/>, all in one unit of
/// work. The principal is the broker-validated sender, who needs the legal-hold role; it is the audit actor and the row's
/// placed_by / released_by, the body's requestedBy stays information. A request id is carried out once.
/// </summary>
public sealed class LegalHoldsConsumer(NpgsqlDataSource dataSource, AccessPolicy access, IMessagePrincipal principals, TimeProvider clock,
    ILogger<LegalHoldsConsumer> logger) : IConsumer<PlaceLegalHold>, IConsumer<ReleaseLegalHold>
{
    public const string Consumer = "legal-holds";

    public Task Consume(ConsumeContext<PlaceLegalHold> context)
    {
        var m = context.Message;
        var principal = principals.SenderOf(context);
        return HandleAsync(context, m.RequestId, m.RequestId, principal, "place", m.RequestedBy, AuditText.ModelName(m.ModelName), m.Version,
            LegalHoldRules.Requester(principal, access, "place legal holds") ?? LegalHoldRules.Invalid(m),
            (work, now, token) => PlaceAsync(work, m, principal!, now, token));
    }

    public Task Consume(ConsumeContext<ReleaseLegalHold> context)
    {
        var m = context.Message;
        var principal = principals.SenderOf(context);
        return HandleAsync(context, m.RequestId, m.HoldId, principal, "release", m.RequestedBy, null, null,
            LegalHoldRules.Requester(principal, access, "release legal holds") ?? LegalHoldRules.Invalid(m),
            (work, now, token) => ReleaseAsync(work, m, principal!, now, token));
    }

    /// <summary>What a request did: its hold, model and version, and either the refusal or the audit record of the change.</summary>
    private sealed record Outcome(Guid HoldId, string? ModelName, int? Version, Rejection? Refusal, string Message, AuditAppend? Change);

    private Task HandleAsync(ConsumeContext context, Guid requestId, Guid holdId, string? principal, string request, string? requestedBy, string? modelName, int? version,
        Rejection? refusedAtOnce, Func<UnitOfWork, DateTimeOffset, CancellationToken, Task<Outcome>> carryOut) =>
        DatabaseResilience.Pipeline.ExecuteAsync(async token =>
        {
            var now = clock.GetUtcNow();
            await using var work = await UnitOfWork.BeginAsync(dataSource, token);
            // Without a request id the message id is the request (a redelivery is still carried out once).
            if (!await work.TryMarkInboxAsync(requestId == Guid.Empty ? context.MessageId : requestId, Consumer, token))
            {
                logger.LogInformation("Legal hold request {RequestId} was already carried out", requestId);
                return;
            }
            var outcome = refusedAtOnce is not null
                ? new Outcome(holdId, modelName, version, refusedAtOnce, refusedAtOnce.Message, null)
                : await carryOut(work, now, token);
            var actor = principal ?? RetentionActions.AuditActor;
            if (outcome.Refusal is { } refused)
            {
                work.Audit(new AuditAppend(actor, "hold.refused", "legal_hold", outcome.HoldId.ToString("D"), AuditText.ModelName(outcome.ModelName), new
                {
                    requestId, request, reasonCode = refused.ReasonCode, reason = AuditText.Storable(refused.Message), version = outcome.Version,
                    requestedBy = AuditText.Storable(Bounded.Clip(requestedBy, LegalHoldRules.MaxRequesterLength)),
                }));
                logger.LogWarning("Legal hold request {RequestId} ({Request}) from {Principal} refused: {Reason} {Message}", requestId, request,
                    principal ?? "(none)", refused.ReasonCode, refused.Message);
            }
            else if (outcome.Change is { } change) work.Audit(change);
            work.Publish(new LegalHoldChanged
            {
                RequestId = requestId,
                HoldId = outcome.HoldId,
                Outcome = outcome.Refusal is null ? (request == "place" ? LegalHoldRules.Placed : LegalHoldRules.Released) : LegalHoldRules.Refused,
                ReasonCode = outcome.Refusal?.ReasonCode,
                Message = Bounded.Storable(outcome.Message),
                ModelName = outcome.ModelName,
                Version = outcome.Version,
                By = principal,
                At = now,
            });
            await work.CommitAsync(now, token);
        }, context.CancellationToken).AsTask();

    private static async Task<Outcome> PlaceAsync(UnitOfWork work, PlaceLegalHold m, string principal, DateTimeOffset now, CancellationToken token)
    {
        var modelId = await work.Connection.QuerySingleOrDefaultAsync<Guid?>(new CommandDefinition(LegalHoldSql.LockModel, new { name = m.ModelName },
            work.Transaction, cancellationToken: token));
        Guid? versionId = null;
        if (modelId is { } id && m.Version is { } v)
            versionId = await work.Connection.QuerySingleOrDefaultAsync<Guid?>(new CommandDefinition(LegalHoldSql.VersionOf, new { modelId = id, version = v },
                work.Transaction, cancellationToken: token));
        if (LegalHoldRules.Target(m, modelId is not null, versionId is not null) is { } refused)
            return new(m.RequestId, m.ModelName, m.Version, refused, refused.Message, null);
        await work.Connection.ExecuteAsync(new CommandDefinition(LegalHoldSql.Insert, new
        {
            holdId = m.RequestId, modelId, versionId, reason = m.Reason, placedBy = principal, placedAt = now.UtcDateTime,
        }, work.Transaction, cancellationToken: token));
        var subject = LegalHoldRules.Subject(m.ModelName, m.Version);
        return new(m.RequestId, m.ModelName, m.Version, null, $"hold {m.RequestId:D} placed on {subject}: {m.Reason}",
            new AuditAppend(principal, "hold.placed", "legal_hold", m.RequestId.ToString("D"), m.ModelName, new
            {
                requestId = m.RequestId, holdId = m.RequestId, version = m.Version, versionId, reason = m.Reason,
                requestedBy = AuditText.Storable(m.RequestedBy),
            }));
    }

    private static async Task<Outcome> ReleaseAsync(UnitOfWork work, ReleaseLegalHold m, string principal, DateTimeOffset now, CancellationToken token)
    {
        var row = await work.Connection.QuerySingleOrDefaultAsync<HoldRow>(new CommandDefinition(LegalHoldSql.LockHold, new { holdId = m.HoldId },
            work.Transaction, cancellationToken: token));
        var hold = row?.ToState();
        if (LegalHoldRules.Release(m.HoldId, hold) is { } refused)
            return new(m.HoldId, hold?.ModelName, hold?.Version, refused, refused.Message, null);
        await work.Connection.ExecuteAsync(new CommandDefinition(LegalHoldSql.Release, new
        {
            holdId = m.HoldId, by = principal, at = now.UtcDateTime, reason = m.Reason,
        }, work.Transaction, cancellationToken: token));
        var subject = LegalHoldRules.Subject(hold!.ModelName, hold.Version);
        return new(m.HoldId, hold.ModelName, hold.Version, null, $"hold {m.HoldId:D} on {subject} released: {m.Reason}",
            new AuditAppend(principal, "hold.released", "legal_hold", m.HoldId.ToString("D"), hold.ModelName, new
            {
                requestId = m.RequestId, holdId = m.HoldId, version = hold.Version, reason = m.Reason, requestedBy = AuditText.Storable(m.RequestedBy),
            }));
    }

    private sealed class HoldRow
    {
        public Guid HoldId { get; init; }
        public Guid ModelId { get; init; }
        public string ModelName { get; init; } = "";
        public int? Version { get; init; }
        public bool Released { get; init; }
        public string? ReleasedBy { get; init; }
        public DateTime? ReleasedAt { get; init; }

        public HoldState ToState() => new(HoldId, ModelId, ModelName, Version, Released, ReleasedBy,
            ReleasedAt is { } at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : null);
    }
}
