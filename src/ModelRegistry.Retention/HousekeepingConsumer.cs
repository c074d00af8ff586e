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
/// The housekeeping half of <see cref="RunRetentionSweep"/> (its own queue gets its own copy of each sweep): prunes the
/// registry's own tables with <see cref="Housekeeping"/>, once per sweep id. Only the registry's principal (the schedule)
/// or a person with the <c>retention</c> role may ask; anyone else is refused, audited as
/// <c>retention.housekeeping_refused</c> with the reason, and nothing is pruned.
/// </summary>
public sealed class HousekeepingConsumer(Housekeeping housekeeping, NpgsqlDataSource dataSource, AccessPolicy access, IMessagePrincipal principals,
    TimeProvider clock, ILogger<HousekeepingConsumer> logger) : IConsumer<RunRetentionSweep>
{
    public const string RefusedAction = "retention.housekeeping_refused";
    private const string RefusedConsumer = "retention-housekeeping-refused";

    /// <summary>The audit actor of a refusal that carried no principal.</summary>
    public const string AuditActor = "svc:retention";

    public async Task Consume(ConsumeContext<RunRetentionSweep> context)
    {
        var m = context.Message;
        var principal = principals.SenderOf(context);
        if (SweepRules.Requester(principal, access) is { } refused)
        {
            await RefuseAsync(context.MessageId, m, principal, refused, context.CancellationToken);
            return;
        }
        if (m.SweepId == Guid.Empty) throw new InvalidMessageException("sweepId is missing (a new UUID per sweep)");
        if (await housekeeping.RunAsync(m.SweepId, principal!, context.CancellationToken) is null)
            logger.LogInformation("Housekeeping of sweep {SweepId} was already done", m.SweepId);
    }

    // A refusal is marked under the transport message id, never the sweep id: a refused copy must not stop the real sweep
    // of that id (the schedule's ids are predictable) from running.
    private Task RefuseAsync(Guid? messageId, RunRetentionSweep m, string? principal, Rejection refused, CancellationToken cancellationToken) =>
        DatabaseResilience.Pipeline.ExecuteAsync(async token =>
        {
            var now = clock.GetUtcNow();
            await using var work = await UnitOfWork.BeginAsync(dataSource, token);
            if (!await work.TryMarkInboxAsync(messageId, RefusedConsumer, token)) return;
            work.Audit(new AuditAppend(principal ?? AuditActor, RefusedAction, "sweep", m.SweepId.ToString(), null, new
            {
                sweepId = m.SweepId, reasonCode = refused.ReasonCode, reason = AuditText.Storable(refused.Message),
                requestedBy = AuditText.Storable(Bounded.Clip(m.RequestedBy, 200)),
            }));
            await work.CommitAsync(now, token);
            logger.LogWarning("Refused housekeeping of sweep {SweepId} from {Principal}: {Reason}", m.SweepId, principal ?? "(none)", refused.Message);
        }, cancellationToken).AsTask();
}
