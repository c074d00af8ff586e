using MassTransit;
using Microsoft.Extensions.Logging;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Platform.Audit;
using ModelRegistry.Platform.Rules;
using ModelRegistry.Promotion.Approvals;
using ModelRegistry.Promotion.Rules;

namespace ModelRegistry.Promotion;

/// <summary>The approval activities of <see cref="PromotionStateMachine"/>: asking for approvals, weighing and counting votes,
/// refusing the ones that do not count, and the approval deadline.</summary>
public sealed partial class PromotionWorkflow
{
    /// <summary>Schedules the approval deadline and publishes <see cref="ApprovalRequested"/> with the evidence.</summary>
    public async Task RequestApprovalAsync(BehaviorContext<PromotionState> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var s = context.Saga;
        var (outbox, reading) = (context.Outbox(), context.GetPayload<PromotionReading>());
        var stage = StagePolicyOf(context);
        var approvals = stage.Approvals!;
        // Whole microseconds, as PostgreSQL keeps it: a resent request then names the very instant the first one did.
        var now = clock.GetUtcNow();
        var due = now + approvals.Timeout;
        due = new DateTimeOffset(due.UtcTicks - due.UtcTicks % 10, TimeSpan.Zero);
        s.ApprovalDeadline = due;
        // Every decision answering this request must sign its nonce; a resend keeps it (docs/ticketing.md).
        s.ApprovalNonce = ApprovalRequestSignature.NewNonce();
        s.ApprovalRequestedAt = new DateTimeOffset(now.UtcTicks - now.UtcTicks % 10, TimeSpan.Zero);
        outbox.BeforeCommit(c => deadlines.ScheduleAsync(s.CorrelationId, DeadlineKinds.Approval, due, c));
        var evidence = await ApprovalEvidence.ReadAsync(context.Store(), reading.Facts, stage, reading.Evaluations, context.CancellationToken);
        outbox.Publish(Requested(context, approvals, due, evidence));
        outbox.Audit(Record(s, Actor, "approval.requested",
            new { roles = approvals.Roles, distinctApprovers = approvals.DistinctApprovers, deadline = due, gatesPassed = evidence.GatesPassed }));
    }

    /// <summary>May the sender resend it? Its own requester, or a requester (<see cref="PromotionAuthority.MayResend"/>).</summary>
    public bool MayResend(BehaviorContext<PromotionState, ResendApprovalRequest> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return PromotionAuthority.MayResend(access, Principal(context), context.Saga.RequestedBy) is null;
    }

    /// <summary>A resend by a principal that may not: nothing is sent; audited (approval.resend_refused) and logged.</summary>
    public void RefuseResend(BehaviorContext<PromotionState, ResendApprovalRequest> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var why = PromotionAuthority.MayResend(access, Principal(context), context.Saga.RequestedBy)!;
        RefuseCommand(context, "approval.resend_refused", why, context.Message.RequestedBy);
    }

    /// <summary>
    /// Publishes <see cref="ApprovalRequested"/> once more, with the same deadline and the evidence read again, and audits
    /// who asked (approval.resent): for an integration that lost the request or was set up after it was sent.
    /// </summary>
    public async Task ResendApprovalAsync(BehaviorContext<PromotionState, ResendApprovalRequest> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (s, m, ct, store) = (context.Saga, context.Message, context.CancellationToken, context.Store());
        var facts = (await store.FindVersionAsync(s.ModelName, s.ModelVersion, ct))!;
        KeepTierInForce(context, facts);
        var stage = StagePolicyOf(context);
        if (stage.Approvals is not { } approvals || s.ApprovalDeadline is not { } due)
        {
            // The policy changed at a restart and the stage no longer asks for approval: nothing to send.
            logger.LogWarning("Promotion {PromotionId}: resend asked, but '{Stage}' needs no approval under the current policy", s.CorrelationId, s.TargetStage);
            return;
        }
        var evidence = await ApprovalEvidence.ReadAsync(store, facts, stage, await store.EvaluationsAsync(facts.VersionId, ct), ct);
        var by = ActorOf(Principal(context));
        var outbox = context.Outbox();
        // The same nonce: decisions already signed for the first request still count. A promotion requested before nonces
        // existed gets its first one now.
        s.ApprovalNonce ??= ApprovalRequestSignature.NewNonce();
        outbox.Publish(Requested(context, approvals, due, evidence));
        outbox.Audit(Record(s, by, "approval.resent",
            new { roles = approvals.Roles, distinctApprovers = approvals.DistinctApprovers, deadline = due, votesSoFar = s.Votes.Count,
                claimedBy = m.RequestedBy is null ? null : Bounded.Clip(m.RequestedBy, 200) }));
        logger.LogInformation("Promotion {PromotionId}: approval request sent again, asked by {By}", s.CorrelationId, by);
    }

    /// <summary>The request, with its nonce and the registry's signature of it for each integration.</summary>
    private ApprovalRequested Requested(BehaviorContext<PromotionState> context, ApprovalPolicy approvals, DateTimeOffset due,
        PromotionEvidence evidence)
    {
        var s = context.Saga;
        var request = new ApprovalRequested
        {
            PromotionId = s.CorrelationId, ModelName = s.ModelName, Version = s.ModelVersion, FromStage = s.FromStage ?? "",
            TargetStage = s.TargetStage, RiskTier = (context.TryGetPayload<TierInForce>(out var tier) ? tier.Tier : s.RiskTier) ?? "",
            RequestedBy = s.RequestedBy, Reason = s.Reason, ChangeTicket = s.ChangeTicket, RequiredRoles = approvals.Roles,
            DistinctApprovers = approvals.DistinctApprovers, Deadline = due, Evidence = evidence, Nonce = s.ApprovalNonce ?? "",
        };
        return request with { Signatures = authenticator.SignRequest(request) };
    }

    public void ExpireApproval(BehaviorContext<PromotionState> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var s = context.Saga;
        Reject(context, PromotionDecisions.ApprovalTimeout(s.ApprovalDeadline!.Value, Standing(context)), null, expired: true);
    }

    /// <summary>
    /// Keeps what an incoming decision comes to: refused by the sender and authenticity checks (<see cref="Authenticate"/>)
    /// or <see cref="PromotionDecisions.OnVote"/> under the tier in force now, or counted. Separation of duties compares the
    /// approver with the requester principal.
    /// </summary>
    public async Task WeighVoteAsync(BehaviorContext<PromotionState, ApprovalDecided> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (s, m, store) = (context.Saga, context.Message, context.Store());
        var facts = await store.FindVersionAsync(s.ModelName, s.ModelVersion, context.CancellationToken);
        var terms = new ApprovalTerms(s.ModelName, s.ModelVersion, s.TargetStage, facts?.ManifestDigest, s.ApprovalNonce,
            s.ApprovalRequestedAt ?? s.RequestedAt, s.ApprovalDeadline);
        if ((await AuthenticateAsync(context, m, store) ?? ApprovalBinding.Check(m, terms, clock.GetUtcNow(), authenticator.ClockSkew)) is { } refused)
        {
            context.Keep(VoteDecision.Refused(refused));
            return;
        }
        if (facts is not null) KeepTierInForce(context, facts);
        var earlier = s.Votes.Select(v => new ApprovalVote(v.Approver, v.Role, v.Approved)).ToList();
        var incoming = new ApprovalVote(m.Approver, m.Role, m.Decision == "approved");
        context.Keep(PromotionDecisions.OnVote(StagePolicyOf(context), s.RequestedBy, earlier, incoming, m.Comment));
    }

    /// <summary>
    /// A decision counts only from a principal the access policy lets speak for its integration (docs/ticketing.md), and
    /// only when its signature, allow-lists and approver check out (<see cref="IApprovalAuthenticator"/>).
    /// </summary>
    private Rejection? Authenticate(ConsumeContext context, ApprovalDecided m) =>
        PromotionAuthority.MayDecide(access, Principal(context), m.Integration) ?? authenticator.Check(m);

    /// <summary>
    /// <see cref="Authenticate"/>, and a signed decision refused before for this promotion is refused again as
    /// replayed_decision, whatever would apply now: once its signature checks out, before the allow-lists, the directory,
    /// the promotion's facts and the clock, all of which can change.
    /// </summary>
    private async Task<Rejection?> AuthenticateAsync(ConsumeContext context, ApprovalDecided m, IPromotionStore store)
    {
        if (PromotionAuthority.MayDecide(access, Principal(context), m.Integration) is { } sender) return sender;
        if (authenticator.IsAuthentic(m) && await store.RefusedBeforeAsync(m.PromotionId, m.Signature, context.CancellationToken) is { } before)
            return new Rejection(ApprovalRefusals.ReplayedDecision,
                $"signature: this signed decision was refused for promotion {m.PromotionId} at {ApprovalSignature.FormatTimestamp(before.RefusedAt)} " +
                $"({before.ReasonCode}); a refused decision never counts, send a new one");
        return authenticator.Check(m);
    }

    public void RefuseVote(BehaviorContext<PromotionState, ApprovalDecided> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Refuse(context, context.Message, context.Vote().Why!);
    }

    /// <summary>Records a counted vote on the saga, and audits it.</summary>
    public static void CountVote(BehaviorContext<PromotionState, ApprovalDecided> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (s, m) = (context.Saga, context.Message);
        s.Votes.Add(new PromotionVote(m.Approver, m.Role, m.Decision == "approved", m.Integration, m.TicketId, Bounded.Clip(m.Comment, MaxTextLength),
            m.DecidedAt.ToUniversalTime()));
        context.Outbox().Audit(Record(s, m.Approver, "approval.accepted",
            new { decision = m.Decision, role = m.Role, integration = m.Integration, ticketId = m.TicketId, comment = m.Comment,
                decidedAt = m.DecidedAt, signature = m.Signature }));
    }

    public void NoteWaiting(BehaviorContext<PromotionState, ApprovalDecided> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (s, m) = (context.Saga, context.Message);
        logger.LogInformation("Promotion {PromotionId}: {Approver} approved as {Role}; {Waiting}", s.CorrelationId, m.Approver, m.Role,
            PromotionDecisions.Waiting(context.Vote().Standing!));
    }

    public void RejectByVote(BehaviorContext<PromotionState> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Reject(context, context.Vote().Why!, null, expired: false);
    }

    /// <summary>A decision on a promotion that is over, or that is not waiting for approval.</summary>
    public void RefuseNotWaiting(BehaviorContext<PromotionState, ApprovalDecided> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var s = context.Saga;
        var rejection = Authenticate(context, context.Message)
            ?? (s.FinishedAt is not null
                ? new Rejection(ApprovalRefusals.PromotionFinished, $"promotion {s.CorrelationId} is over ({s.CurrentState}); decisions no longer count")
                : new Rejection(ApprovalRefusals.ApprovalNotRequested, $"promotion {s.CorrelationId} is {s.CurrentState}, not waiting for approval"));
        Refuse(context, context.Message, rejection);
    }

    /// <summary>A decision naming a promotion that does not exist.</summary>
    public Task RefuseUnknownAsync(ConsumeContext<ApprovalDecided> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var rejection = Authenticate(context, context.Message)
            ?? new Rejection(ApprovalRefusals.UnknownPromotion, $"there is no promotion {context.Message.PromotionId}");
        Refuse(context, context.Message, rejection);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Publishes ApprovalRefused and audits it; an authentic (signed) decision is remembered in the same transaction, so the
    /// same signed decision never counts later (replayed_decision).
    /// </summary>
    private void Refuse(ConsumeContext context, ApprovalDecided m, Rejection why)
    {
        var (outbox, sentBy, now) = (context.Outbox(), Principal(context), clock.GetUtcNow());
        if (authenticator.IsAuthentic(m))
        {
            var store = context.Store();
            outbox.BeforeCommit(ct => store.RememberRefusalAsync(m.PromotionId, m.Signature, why.ReasonCode, now, ct));
        }
        outbox.Publish(new ApprovalRefused
        {
            PromotionId = m.PromotionId, Integration = Bounded.Clip(m.Integration, 200), TicketId = Bounded.Clip(m.TicketId, 200), Approver = Bounded.Clip(m.Approver, 200),
            Role = Bounded.Clip(m.Role, 200), ReasonCode = why.ReasonCode, Message = why.Message, RefusedAt = now,
        });
        outbox.Audit(new AuditAppend(string.IsNullOrWhiteSpace(m.Approver) ? "unknown" : Bounded.Clip(m.Approver, 200), "approval.refused", "promotion",
            m.PromotionId.ToString("D"), null,
            new { reasonCode = why.ReasonCode, message = why.Message, integration = Bounded.Clip(m.Integration, 200), ticketId = Bounded.Clip(m.TicketId, 200),
                role = Bounded.Clip(m.Role, 200), decision = Bounded.Clip(m.Decision, 50), signature = Bounded.Clip(m.Signature, 200),
                sentBy = sentBy ?? "unknown" }));
        logger.LogWarning("Approval for promotion {PromotionId} by {Approver} refused: {Reason} {Message}", m.PromotionId, m.Approver,
            why.ReasonCode, why.Message);
    }

    private ApprovalDecision Standing(BehaviorContext<PromotionState> context) =>
        ApprovalRules.Decide(StagePolicyOf(context), context.Saga.RequestedBy,
            context.Saga.Votes.Select(v => new ApprovalVote(v.Approver, v.Role, v.Approved)).ToList());
}
