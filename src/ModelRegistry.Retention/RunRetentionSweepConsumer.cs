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
/// <c>RunRetentionSweep</c>, from the sweep's schedule (the registry's own principal) or a person with the
/// <c>retention</c> role: plans the sweep (<see cref="RetentionSweep"/>). Anyone else is refused, audited
/// (<c>retention.refused</c>) and answered with a refused <see cref="RetentionSweepPlanned"/>.
/// </summary>
public sealed class RunRetentionSweepConsumer(RetentionSweep sweep, NpgsqlDataSource dataSource, AccessPolicy access, IMessagePrincipal principals,
    TimeProvider clock, ILogger<RunRetentionSweepConsumer> logger) : IConsumer<RunRetentionSweep>
{
    public const string Consumer = "retention-sweep";
    public const string RefusedConsumer = "retention-sweep-refused";

    public async Task Consume(ConsumeContext<RunRetentionSweep> context)
    {
        var m = context.Message;
        if (m.SweepId == Guid.Empty) throw new InvalidMessageException("sweepId is missing (a new UUID per sweep)");
        var principal = principals.SenderOf(context);
        if (SweepRules.Requester(principal, access) is { } refused)
        {
            await RefuseAsync(m, context.MessageId, principal, refused, context.CancellationToken);
            return;
        }
        var planned = await DatabaseResilience.Pipeline.ExecuteAsync(
            async token => await sweep.PlanAsync(m.SweepId, principal!, clock.GetUtcNow(), token), context.CancellationToken);
        if (planned is null) logger.LogInformation("Retention sweep {SweepId} was planned before", m.SweepId);
        else logger.LogInformation("Retention sweep {SweepId} planned by {Principal}: {Message}", m.SweepId, principal, planned.Message);
    }

    // The refusal is marked under the transport id, never the sweep id: the schedule's sweep ids are predictable, and a
    // refused copy must not use up the real sweep's.
    private Task RefuseAsync(RunRetentionSweep m, Guid? messageId, string? principal, Rejection refused, CancellationToken ct) =>
        DatabaseResilience.Pipeline.ExecuteAsync(async token =>
        {
            var now = clock.GetUtcNow();
            await using var work = await UnitOfWork.BeginAsync(dataSource, token);
            if (!await work.TryMarkInboxAsync(messageId, RefusedConsumer, token)) return;
            work.Audit(new AuditAppend(principal ?? RetentionSweep.AuditActor, "retention.refused", "retention-sweep", m.SweepId.ToString("D"), null, new
            {
                sweepId = m.SweepId, request = "sweep", reasonCode = refused.ReasonCode, reason = refused.Message,
                requestedBy = AuditText.Storable(Bounded.Clip(m.RequestedBy, 200)),
            }));
            work.Publish(new RetentionSweepPlanned
            {
                SweepId = m.SweepId, Outcome = "refused", ReasonCode = refused.ReasonCode, Message = refused.Message, RequestedBy = principal, PlannedAt = now,
            });
            await work.CommitAsync(now, token);
            logger.LogWarning("Refused RunRetentionSweep {SweepId} from {Principal}: {Reason}", m.SweepId, principal ?? "(none)", refused.Message);
        }, ct).AsTask();
}
