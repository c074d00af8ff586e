using Dapper;
using MassTransit;
using Microsoft.Extensions.Logging;
using ModelRegistry.Contracts;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Audit;
using ModelRegistry.Platform.Identity;
using ModelRegistry.Platform.Rules;
using ModelRegistry.Registration.Rules;
using Npgsql;

namespace ModelRegistry.Registration;

/// <summary>
/// Changes a model's owner team or risk tier, which registrations may not (docs/messages.md, ChangeModelGovernance): only a
/// principal with the governance role may, once per command id, audited with the values before and after. Only
/// registry.models changes; how a lowered tier reaches promotions is the promotion module's.
/// </summary>
public sealed class ChangeModelGovernanceConsumer(NpgsqlDataSource dataSource, IMessagePrincipal principals, AccessPolicy access,
    TimeProvider clock, ILogger<ChangeModelGovernanceConsumer> logger) : IConsumer<ChangeModelGovernance>
{
    public const string Consumer = "model-governance";

    private const string LockModel = """
        SELECT owner_team AS OwnerTeam, risk_tier AS RiskTier FROM registry.models WHERE name = @ModelName FOR UPDATE
        """;

    private const string UpdateModel = """
        UPDATE registry.models SET owner_team = @OwnerTeam, risk_tier = @RiskTier, updated_at = @Now WHERE name = @ModelName
        """;

    public async Task Consume(ConsumeContext<ChangeModelGovernance> context)
    {
        var (m, ct) = (context.Message, context.CancellationToken);
        var principal = principals.SenderOf(context);
        var now = clock.GetUtcNow();
        await using var work = await UnitOfWork.BeginAsync(dataSource, ct);

        var refused = GovernanceChangeRules.Authorize(principal, access);
        // A command id is used up only by a sender allowed to use it; other refusals are guarded by the transport's id.
        var inboxId = refused is null && m.CommandId != Guid.Empty ? m.CommandId : context.MessageId;
        if (!await work.TryMarkInboxAsync(inboxId, Consumer, ct))
        {
            logger.LogInformation("ChangeModelGovernance {CommandId} was already handled", m.CommandId);
            return;
        }
        refused ??= GovernanceChangeRules.Validate(m) ?? await ChangeAsync(work, m, principal!, now, ct);
        if (refused is not null) Reject(work, m, refused, principal, context.MessageId, now);
        await work.CommitAsync(now, ct);
    }

    /// <summary>Changes the model under its row lock; the refusal when it is unknown or nothing would change.</summary>
    private async Task<Rejection?> ChangeAsync(UnitOfWork work, ChangeModelGovernance m, string principal, DateTimeOffset now, CancellationToken ct)
    {
        var row = await work.Connection.QuerySingleOrDefaultAsync<(string OwnerTeam, string RiskTier)?>(
            new CommandDefinition(LockModel, new { m.ModelName }, work.Transaction, cancellationToken: ct));
        if (row is not { } found) return new(RejectionReasons.UnknownModel, $"modelName: there is no model {FieldRules.Shown(m.ModelName)}");
        var current = new ModelGovernance(found.OwnerTeam, found.RiskTier);
        var (changed, refused) = GovernanceChangeRules.Decide(current, m);
        if (refused is not null) return refused;
        var next = changed!.Value;

        await work.Connection.ExecuteAsync(new CommandDefinition(UpdateModel,
            new { m.ModelName, next.OwnerTeam, next.RiskTier, Now = now }, work.Transaction, cancellationToken: ct));
        work.Audit(new AuditAppend(principal, "model.governance_changed", "model", m.ModelName, m.ModelName, new
        {
            commandId = m.CommandId,
            from = new { ownerTeam = current.OwnerTeam, riskTier = current.RiskTier },
            to = new { ownerTeam = next.OwnerTeam, riskTier = next.RiskTier },
            reason = m.Reason,
            requestedBy = m.RequestedBy,
            worker = RegistrationStore.AuditActor,
        }));
        work.Publish(new ModelGovernanceChanged
        {
            CommandId = m.CommandId, ModelName = m.ModelName,
            PreviousOwnerTeam = current.OwnerTeam, OwnerTeam = next.OwnerTeam,
            PreviousRiskTier = current.RiskTier, RiskTier = next.RiskTier,
            ChangedBy = principal, Reason = m.Reason, ChangedAt = now,
        });
        logger.LogWarning("Governance of {Model} changed by {Principal}: owner team {FromTeam} -> {ToTeam}, risk tier {FromTier} -> {ToTier}",
            m.ModelName, principal, current.OwnerTeam, next.OwnerTeam, current.RiskTier, next.RiskTier);
        return null;
    }

    // Refused input may be anything: the event and the record keep a bounded, storable copy of what identifies it.
    private void Reject(UnitOfWork work, ChangeModelGovernance m, Rejection refused, string? principal, Guid? messageId, DateTimeOffset now)
    {
        var model = Bounded.Clip(m.ModelName, 200);
        var message = Bounded.Storable(refused.Message);
        work.Publish(new ModelGovernanceRejected
        {
            CommandId = m.CommandId, ModelName = model, ReasonCode = refused.ReasonCode, Message = message, RejectedAt = now,
        });
        work.Audit(new AuditAppend(principal ?? RegistrationStore.AuditActor, "model.governance_rejected", "model",
            AuditText.ModelSubject(m.ModelName), AuditText.ModelName(m.ModelName), new
            {
                commandId = m.CommandId,
                reasonCode = refused.ReasonCode,
                reason = AuditText.Storable(message),
                ownerTeam = AuditText.Storable(m.OwnerTeam),
                riskTier = AuditText.Storable(m.RiskTier),
                requestedBy = AuditText.Storable(m.RequestedBy),
                messageId,
                worker = RegistrationStore.AuditActor,
            }));
        logger.LogWarning("Refused ChangeModelGovernance {CommandId} of {Model} from {Principal}: {Reason} {Message}",
            m.CommandId, model, principal ?? "(no user_id)", refused.ReasonCode, message);
    }
}

public sealed class ChangeModelGovernanceConsumerDefinition : ConsumerDefinition<ChangeModelGovernanceConsumer>
{
    public const string Queue = "model-governance";

    public ChangeModelGovernanceConsumerDefinition()
    {
        EndpointName = Queue;
        // Rare commands about few models: one at a time, in the order they arrive.
        ConcurrentMessageLimit = 1;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<ChangeModelGovernanceConsumer> consumerConfigurator, IRegistrationContext context) =>
        endpointConfigurator.UseInfrastructureRetry();
}
