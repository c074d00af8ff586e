using System.Globalization;
using MassTransit;
using Microsoft.Extensions.Logging;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Platform.Rules;
using ModelRegistry.Promotion.Approvals;
using ModelRegistry.Promotion.Rules;
using ModelRegistry.Platform.Audit;
using ModelRegistry.Promotion;
using ModelRegistry.Platform;

namespace ModelRegistry.Promotion;

/// <summary>
/// What the promotion saga does on each event (<see cref="PromotionStateMachine"/> routes on <see cref="PromotionState.Next"/>).
/// Everything it writes goes through the message's <see cref="UnitOfWork"/>: saga row, stage changes, events
/// (outbox) and audit records commit together.
/// </summary>
public sealed class PromotionWorkflow(LoadedPromotionPolicy policy, PromotionOptions options, IApprovalAuthenticator authenticator,
    IPromotionDeadlines deadlines, TimeProvider clock, ILogger<PromotionWorkflow> logger)
{
    public const string Actor = "svc:promotion";
    public const int MaxTextLength = 2000;

    // ---- RequestPromotion -------------------------------------------------------------------------------------------

    public async Task StartAsync(BehaviorContext<PromotionState, RequestPromotion> context)
    {
        var work = context.GetPayload<UnitOfWork>();
        var (s, m, ct) = (context.Saga, context.Message, context.CancellationToken);
        if (m.PromotionId == Guid.Empty) throw new InvalidMessageException("RequestPromotion.PromotionId is missing (a new UUID per request)");
        s.ModelName = Bounded.Clip(m.ModelName, 200);
        s.ModelVersion = m.Version;
        s.TargetStage = Bounded.Clip(m.TargetStage, 50);
        s.RequestedBy = Bounded.Clip(m.RequestedBy, 200);
        s.Reason = Bounded.Clip(m.Reason, MaxTextLength);
        s.ChangeTicket = m.ChangeTicket is null ? null : Bounded.Clip(m.ChangeTicket, 200);
        s.RequestedAt = clock.GetUtcNow();
        work.Audit(Record(s, s.RequestedBy.Length > 0 ? s.RequestedBy : "unknown", "promotion.requested",
            new { targetStage = s.TargetStage, reason = s.Reason, changeTicket = s.ChangeTicket }));

        if (Invalid(m) is { } invalid)
        {
            Reject(work, s, PromotionStep.Rejected, invalid);
            return;
        }
        var facts = await PromotionStore.FindVersionAsync(work, s.ModelName, m.Version, ct);
        if (facts is null)
        {
            Reject(work, s, PromotionStep.Rejected, new("unknown_version", $"{s.ModelName} has no version {m.Version}"));
            return;
        }
        s.ModelVersionId = facts.VersionId;
        s.FromStage = facts.Stage;
        s.RiskTier = facts.RiskTier;
        var target = StageNames.Parse(m.TargetStage);
        if (PromotionRules.CheckTransition(StageNames.Parse(facts.Stage), target, TierOf(s)) is { } refused)
        {
            Reject(work, s, PromotionStep.Rejected, refused);
            return;
        }
        if (await PromotionStore.OtherOpenPromotionAsync(work, s.CorrelationId, s.ModelName, s.ModelVersion, s.TargetStage, ct))
        {
            Reject(work, s, PromotionStep.Rejected, new("promotion_open",
                $"{s.ModelName}/{s.ModelVersion} already has an open promotion to '{s.TargetStage}'; cancel it or wait for it"));
            return;
        }
        await CheckGatesAsync(context, work, facts);
    }

    // ---- EvaluationRecorded (forwarded) and deadlines ------------------------------------------------------------------

    public async Task EvaluationArrivedAsync(BehaviorContext<PromotionState, PromotionEvaluationArrived> context)
    {
        var work = context.GetPayload<UnitOfWork>();
        var facts = await PromotionStore.FindVersionAsync(work, context.Saga.ModelName, context.Saga.ModelVersion, context.CancellationToken);
        await CheckGatesAsync(context, work, facts!);
    }

    public async Task DeadlineAsync(BehaviorContext<PromotionState, PromotionDeadlineReached> context)
    {
        var (s, m) = (context.Saga, context.Message);
        var work = context.GetPayload<UnitOfWork>();
        var awaited = s.CurrentState switch
        {
            nameof(PromotionStateMachine.AwaitingEvaluations) => (DeadlineKinds.Evaluation, s.EvaluationDeadline),
            nameof(PromotionStateMachine.AwaitingApproval) => (DeadlineKinds.Approval, s.ApprovalDeadline),
            _ => (null, null),
        };
        if (awaited.Item1 != m.Deadline || awaited.Item2 is not { } due || !SameInstant(due, m.DueAt))
        {
            logger.LogInformation("Promotion {PromotionId}: stale {Kind} deadline ignored", s.CorrelationId, m.Deadline);
            s.Next = PromotionStep.Stay;
            return;
        }
        if (clock.GetUtcNow() < due)
        {
            // Fired early (clocks disagree): put it back.
            work.BeforeCommit(ct => deadlines.ScheduleAsync(s.CorrelationId, m.Deadline, due, ct));
            s.Next = PromotionStep.Stay;
            return;
        }
        if (m.Deadline == DeadlineKinds.Evaluation)
        {
            // An evaluation may have arrived without its notice reaching us: look once more before giving up.
            var facts = await PromotionStore.FindVersionAsync(work, s.ModelName, s.ModelVersion, context.CancellationToken);
            await CheckGatesAsync(context, work, facts!, expireIfMissing: true);
            return;
        }
        Reject(work, s, PromotionStep.Expired, new("approval_timeout",
            $"the approvals were not complete by {due:O}: {Waiting(s)}"));
    }

    // ---- ApprovalDecided ---------------------------------------------------------------------------------------------------

    public async Task DecideAsync(BehaviorContext<PromotionState, ApprovalDecided> context)
    {
        var (s, m) = (context.Saga, context.Message);
        var work = context.GetPayload<UnitOfWork>();
        s.Next = PromotionStep.Stay;
        if (authenticator.Check(m) is { } unauthenticated)
        {
            Refuse(work, m, unauthenticated);
            return;
        }
        var stage = StagePolicyOf(s);
        var vote = new ApprovalVote(m.Approver, m.Role, m.Decision == "approved");
        var earlier = s.Votes.Select(v => new ApprovalVote(v.Approver, v.Role, v.Approved)).ToList();
        if (ApprovalRules.Refusal(stage, s.RequestedBy, earlier, vote) is { } refused)
        {
            Refuse(work, m, refused);
            return;
        }
        s.Votes.Add(new PromotionVote(m.Approver, m.Role, vote.Approved, m.Integration, m.TicketId, Bounded.Clip(m.Comment, MaxTextLength),
            m.DecidedAt.ToUniversalTime()));
        work.Audit(Record(s, m.Approver, "approval.accepted",
            new { decision = m.Decision, role = m.Role, integration = m.Integration, ticketId = m.TicketId, comment = m.Comment,
                decidedAt = m.DecidedAt, signature = m.Signature }));
        var decision = ApprovalRules.Decide(stage, s.RequestedBy, s.Votes.Select(v => new ApprovalVote(v.Approver, v.Role, v.Approved)).ToList());
        switch (decision.Outcome)
        {
            case ApprovalOutcome.Rejected:
                Reject(work, s, PromotionStep.Rejected, new("approval_rejected",
                    $"{decision.RejectedBy!.Approver} ({decision.RejectedBy.Role}) rejected the promotion: {Bounded.Clip(m.Comment, 500)}"));
                break;
            case ApprovalOutcome.Approved:
                await PromoteAsync(work, s, null, context.CancellationToken);
                break;
            default:
                logger.LogInformation("Promotion {PromotionId}: {Approver} approved as {Role}; {Waiting}", s.CorrelationId, m.Approver, m.Role, Waiting(s));
                break;
        }
    }

    /// <summary>A decision on a promotion that is over, or that is not waiting for approval.</summary>
    public Task RefuseNotWaitingAsync(BehaviorContext<PromotionState, ApprovalDecided> context)
    {
        var work = context.GetPayload<UnitOfWork>();
        var s = context.Saga;
        s.Next = PromotionStep.Stay;
        var rejection = authenticator.Check(context.Message)
            ?? (s.FinishedAt is not null
                ? new Rejection(ApprovalRefusals.PromotionFinished, $"promotion {s.CorrelationId} is over ({s.CurrentState}); decisions no longer count")
                : new Rejection(ApprovalRefusals.ApprovalNotRequested, $"promotion {s.CorrelationId} is {s.CurrentState}, not waiting for approval"));
        Refuse(work, context.Message, rejection);
        return Task.CompletedTask;
    }

    /// <summary>A decision naming a promotion that does not exist.</summary>
    public Task RefuseUnknownAsync(ConsumeContext<ApprovalDecided> context)
    {
        var work = context.GetPayload<UnitOfWork>();
        var rejection = authenticator.Check(context.Message)
            ?? new Rejection(ApprovalRefusals.UnknownPromotion, $"there is no promotion {context.Message.PromotionId}");
        Refuse(work, context.Message, rejection);
        return Task.CompletedTask;
    }

    // ---- CancelPromotion ---------------------------------------------------------------------------------------------------

    public Task CancelAsync(BehaviorContext<PromotionState, CancelPromotion> context)
    {
        var (s, m) = (context.Saga, context.Message);
        var work = context.GetPayload<UnitOfWork>();
        var by = string.IsNullOrWhiteSpace(m.CancelledBy) ? "unknown" : Bounded.Clip(m.CancelledBy, 200);
        Finish(work, s, PromotionStep.Cancelled, "cancelled", $"cancelled by {by}: {Bounded.Clip(m.Reason, MaxTextLength)}");
        work.Publish(new PromotionCancelled
        {
            PromotionId = s.CorrelationId, ModelName = s.ModelName, Version = s.ModelVersion, TargetStage = s.TargetStage,
            CancelledBy = by, Reason = Bounded.Clip(m.Reason, MaxTextLength), CancelledAt = s.FinishedAt!.Value,
        });
        work.Audit(Record(s, by, "promotion.cancelled", new { reason = Bounded.Clip(m.Reason, MaxTextLength) }));
        return Task.CompletedTask;
    }

    // ---- the steps ---------------------------------------------------------------------------------------------------------

    private async Task CheckGatesAsync(BehaviorContext<PromotionState> context, UnitOfWork work, VersionFacts facts,
        bool expireIfMissing = false)
    {
        var (s, ct) = (context.Saga, context.CancellationToken);
        var stage = StagePolicyOf(s);
        var evaluations = await PromotionStore.EvaluationsAsync(work.Connection, work.Transaction, facts.VersionId, ct);
        var gates = GateEvaluation.Evaluate(stage, evaluations);
        if (gates.Failed.Count > 0)
        {
            Reject(work, s, PromotionStep.Rejected, new("gates_failed",
                $"{gates.Failed.Count} gate(s) failed: {string.Join("; ", gates.Failed.Select(f => f.Message))}"), gates.Failed);
            return;
        }
        if (gates.MissingSuites.Count > 0)
        {
            if (expireIfMissing)
            {
                Reject(work, s, PromotionStep.Expired, new("evaluation_timeout",
                    $"no evaluation of {string.Join(", ", gates.MissingSuites)} arrived by {s.EvaluationDeadline:O}"));
                return;
            }
            if (s.EvaluationDeadline is null)
            {
                var due = clock.GetUtcNow() + (stage.EvaluationTimeout ?? stage.Approvals?.Timeout ?? options.DefaultEvaluationTimeout);
                s.EvaluationDeadline = due;
                work.BeforeCommit(c => deadlines.ScheduleAsync(s.CorrelationId, DeadlineKinds.Evaluation, due, c));
                work.Audit(Record(s, Actor, "promotion.awaiting_evaluations", new { missingSuites = gates.MissingSuites, deadline = due }));
            }
            s.Next = PromotionStep.AwaitEvaluations;
            return;
        }
        CancelDeadline(work, s, DeadlineKinds.Evaluation, s.EvaluationDeadline);
        if (stage.Approvals is { } approvals)
        {
            var due = clock.GetUtcNow() + approvals.Timeout;
            s.ApprovalDeadline = due;
            work.BeforeCommit(c => deadlines.ScheduleAsync(s.CorrelationId, DeadlineKinds.Approval, due, c));
            var evidence = await EvidenceAsync(work, facts, stage, evaluations, ct);
            work.Publish(new ApprovalRequested
            {
                PromotionId = s.CorrelationId, ModelName = s.ModelName, Version = s.ModelVersion, FromStage = s.FromStage ?? "",
                TargetStage = s.TargetStage, RiskTier = s.RiskTier ?? "", RequestedBy = s.RequestedBy, Reason = s.Reason,
                ChangeTicket = s.ChangeTicket, RequiredRoles = approvals.Roles, DistinctApprovers = approvals.DistinctApprovers,
                Deadline = due, Evidence = evidence,
            });
            work.Audit(Record(s, Actor, "approval.requested",
                new { roles = approvals.Roles, distinctApprovers = approvals.DistinctApprovers, deadline = due, gatesPassed = evidence.GatesPassed }));
            s.Next = PromotionStep.AwaitApproval;
            return;
        }
        await PromoteAsync(work, s, facts, ct);
    }

    // facts: the version as the caller read it in this transaction, or null to read it here.
    private async Task PromoteAsync(UnitOfWork work, PromotionState s, VersionFacts? facts, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        facts ??= (await PromotionStore.FindVersionAsync(work, s.ModelName, s.ModelVersion, ct))!;
        await PromotionStore.LockModelAsync(work, facts.ModelId, ct);
        var stages = await PromotionStore.StagesAsync(work, facts.ModelId, s.ModelVersion, ct);
        var current = StageNames.Parse(stages.Single(x => x.Version == s.ModelVersion).Stage);
        var target = StageNames.Parse(s.TargetStage);
        // The version may have moved while the promotion waited (another promotion, a rollback): check again.
        if (current != StageNames.Parse(s.FromStage!)
            && PromotionRules.CheckTransition(current, target, TierOf(s)) is { } moved)
        {
            Reject(work, s, PromotionStep.Rejected, new("stage_changed",
                $"the version moved from '{s.FromStage}' to '{StageNames.Format(current)}' while the promotion waited: {moved.Message}"));
            return;
        }
        var changes = ProductionExclusivity.Apply(stages.Select(x => new VersionStage(x.Version, StageNames.Parse(x.Stage))).ToList(),
            s.ModelVersion, target);
        await PromotionStore.ApplyStageChangesAsync(work, facts.ModelId, stages, changes, "promotion", s.CorrelationId, s.RequestedBy, now, ct);
        foreach (var change in changes)
        {
            work.Audit(new AuditAppend(Actor, "stage.changed", "model_version", $"{s.ModelName}/{change.Version}", s.ModelName,
                new { from = StageNames.Format(change.From), to = StageNames.Format(change.To), cause = "promotion", promotionId = s.CorrelationId }));
        }
        var retired = changes.Where(c => c.To == Stage.Retired).Select(c => c.Version).ToList();
        Finish(work, s, PromotionStep.Promoted, "promoted", $"{s.ModelName}/{s.ModelVersion} is in '{s.TargetStage}'");
        work.Publish(new ModelVersionPromoted
        {
            PromotionId = s.CorrelationId, ModelName = s.ModelName, Version = s.ModelVersion, ModelVersionId = facts.VersionId,
            FromStage = StageNames.Format(current), ToStage = s.TargetStage, RetiredVersions = retired, RequestedBy = s.RequestedBy,
            ApprovedBy = s.Votes.Where(v => v.Approved)
                .Select(v => new Approval { Approver = v.Approver, Role = v.Role, TicketId = v.TicketId, DecidedAt = v.DecidedAt }).ToList(),
            ChangeTicket = s.ChangeTicket, PromotedAt = now,
        });
        if (target == Stage.Production)
        {
            work.Publish(new DeployModelVersion
            {
                DeploymentId = s.CorrelationId, ModelName = s.ModelName, Version = s.ModelVersion, ModelVersionId = facts.VersionId,
                ManifestDigest = facts.ManifestDigest, Cause = "promotion", ReplacesVersion = retired.Count > 0 ? retired[0] : null, IssuedAt = now,
            });
        }
        work.Audit(Record(s, Actor, "promotion.promoted",
            new { from = StageNames.Format(current), to = s.TargetStage, retired, approvedBy = s.Votes.Where(v => v.Approved).Select(v => $"{v.Approver} ({v.Role})") }));
    }

    private void Reject(UnitOfWork work, PromotionState s, PromotionStep step, Rejection why, IReadOnlyList<GateFailure>? failed = null)
    {
        Finish(work, s, step, why.ReasonCode, why.Message);
        work.Publish(new PromotionRejected
        {
            PromotionId = s.CorrelationId, ModelName = s.ModelName, Version = s.ModelVersion, TargetStage = s.TargetStage,
            ReasonCode = why.ReasonCode, Message = why.Message,
            FailedGates = failed?.Select(f => new FailedGate { Gate = f.Gate, Message = f.Message }).ToList() ?? [],
            RejectedAt = s.FinishedAt!.Value,
        });
        work.Audit(Record(s, Actor, step == PromotionStep.Expired ? "promotion.expired" : "promotion.rejected",
            new { reasonCode = why.ReasonCode, message = why.Message, failedGates = failed?.Select(f => f.Message) }));
        logger.LogInformation("Promotion {PromotionId} of {Model}/{Version} to {Stage}: {Reason} {Message}", s.CorrelationId, s.ModelName,
            s.ModelVersion, s.TargetStage, why.ReasonCode, why.Message);
    }

    private void Finish(UnitOfWork work, PromotionState s, PromotionStep step, string code, string message)
    {
        s.Next = step;
        s.OutcomeCode = code;
        s.OutcomeMessage = message;
        s.FinishedAt = clock.GetUtcNow();
        CancelDeadline(work, s, DeadlineKinds.Evaluation, s.EvaluationDeadline);
        CancelDeadline(work, s, DeadlineKinds.Approval, s.ApprovalDeadline);
    }

    private void CancelDeadline(UnitOfWork work, PromotionState s, string kind, DateTimeOffset? due)
    {
        if (due is null) return;
        var id = s.CorrelationId;
        work.AfterCommit(ct => deadlines.CancelAsync(id, kind, ct));
    }

    private void Refuse(UnitOfWork work, ApprovalDecided m, Rejection why)
    {
        var now = clock.GetUtcNow();
        work.Publish(new ApprovalRefused
        {
            PromotionId = m.PromotionId, Integration = Bounded.Clip(m.Integration, 200), TicketId = Bounded.Clip(m.TicketId, 200), Approver = Bounded.Clip(m.Approver, 200),
            Role = Bounded.Clip(m.Role, 200), ReasonCode = why.ReasonCode, Message = why.Message, RefusedAt = now,
        });
        work.Audit(new AuditAppend(string.IsNullOrWhiteSpace(m.Approver) ? "unknown" : Bounded.Clip(m.Approver, 200), "approval.refused", "promotion",
            m.PromotionId.ToString("D"), null,
            new { reasonCode = why.ReasonCode, message = why.Message, integration = Bounded.Clip(m.Integration, 200), ticketId = Bounded.Clip(m.TicketId, 200),
                role = Bounded.Clip(m.Role, 200), decision = Bounded.Clip(m.Decision, 50), signature = Bounded.Clip(m.Signature, 200) }));
        logger.LogWarning("Approval for promotion {PromotionId} by {Approver} refused: {Reason} {Message}", m.PromotionId, m.Approver,
            why.ReasonCode, why.Message);
    }

    private static async Task<PromotionEvidence> EvidenceAsync(UnitOfWork work, VersionFacts facts, StagePolicy stage,
        IReadOnlyList<EvaluationSummary> evaluations, CancellationToken ct)
    {
        var metrics = Latest(evaluations);
        var stages = await PromotionStore.StagesAsync(work, facts.ModelId, null, ct);
        int? production = stages.FirstOrDefault(x => x.Stage == "production")?.Version;
        var deltas = new Dictionary<string, double>();
        var changes = new List<string>();
        if (production is { } p && p != facts.Version
            && await PromotionStore.FindVersionAsync(work, facts.ModelName, p, ct) is { } current)
        {
            var theirs = Latest(await PromotionStore.EvaluationsAsync(work.Connection, work.Transaction, current.VersionId, ct));
            foreach (var (key, value) in metrics)
                if (theirs.TryGetValue(key, out var other)) deltas[key] = value - other;
            if (current.CodeCommit != facts.CodeCommit) changes.Add($"code commit {current.CodeCommit} -> {facts.CodeCommit}");
            if (current.CodeRepository != facts.CodeRepository) changes.Add($"code repository {current.CodeRepository} -> {facts.CodeRepository}");
            foreach (var added in facts.Datasets.Except(current.Datasets)) changes.Add($"dataset added: {added}");
            foreach (var removed in current.Datasets.Except(facts.Datasets)) changes.Add($"dataset removed: {removed}");
            if (current.BaseModel != facts.BaseModel) changes.Add($"base model {current.BaseModel ?? "none"} -> {facts.BaseModel ?? "none"}");
            if (current.ManifestDigest == facts.ManifestDigest) changes.Add("same artifact bytes as production");
        }
        var gates = new List<string>();
        gates.AddRange(stage.Gates.RequiredSuites.Select(x => $"suite {x} evaluated"));
        gates.AddRange(stage.Gates.Metrics.Select(g => string.Create(CultureInfo.InvariantCulture,
            $"{g.Suite}/{g.Name} {(g.Direction == MetricDirection.AtLeast ? ">=" : "<=")} {g.Threshold}")));
        gates.AddRange(stage.Gates.Bias.Select(b => string.Create(CultureInfo.InvariantCulture, $"bias {b.Metric} within ±{b.MaxAbs}")));
        if (stage.Gates.MaxFindingSeverity is { } worst) gates.Add($"security findings at most {worst}");
        return new PromotionEvidence
        {
            ManifestDigest = facts.ManifestDigest, TrainingRunId = facts.TrainingRunId, CodeRepository = facts.CodeRepository,
            CodeCommit = facts.CodeCommit, Datasets = facts.Datasets, GatesPassed = gates, Metrics = metrics, ProductionVersion = production,
            MetricDeltas = deltas, LineageChanges = changes,
        };
    }

    private static Dictionary<string, double> Latest(IReadOnlyList<EvaluationSummary> evaluations)
    {
        var latest = new Dictionary<string, double>();
        foreach (var suite in evaluations.GroupBy(e => e.Suite))
        foreach (var (name, value) in suite.MaxBy(e => e.EvaluatedAt)!.Metrics)
            latest[$"{suite.Key}/{name}"] = value;
        return latest;
    }

    private TierPolicy TierOf(PromotionState s) =>
        policy.Policy.For(RiskTierNames.TryParse(s.RiskTier, out var tier) ? tier : throw new InvalidOperationException($"unknown risk tier '{s.RiskTier}'"));

    private StagePolicy StagePolicyOf(PromotionState s) =>
        TierOf(s).For(StageNames.Parse(s.TargetStage))
        ?? throw new InvalidOperationException($"the policy no longer has a '{s.TargetStage}' stage for tier {s.RiskTier}");

    private string Waiting(PromotionState s)
    {
        var d = ApprovalRules.Decide(StagePolicyOf(s), s.RequestedBy, s.Votes.Select(v => new ApprovalVote(v.Approver, v.Role, v.Approved)).ToList());
        return d.MissingRoles.Count > 0
            ? $"missing roles {string.Join(", ", d.MissingRoles)} ({d.MissingApprovers} more approver(s))"
            : $"{d.MissingApprovers} more approver(s)";
    }

    private static Rejection? Invalid(RequestPromotion m)
    {
        if (string.IsNullOrWhiteSpace(m.ModelName)) return new("invalid_request", "ModelName is missing");
        if (m.Version < 1) return new("invalid_request", $"Version {m.Version} is not a version number (1, 2, 3...)");
        if (!StageNames.TryParse(m.TargetStage, out _))
            return new("invalid_request", $"TargetStage '{Bounded.Clip(m.TargetStage, 50)}' is not one of {string.Join(", ", StageNames.All)}");
        if (string.IsNullOrWhiteSpace(m.RequestedBy)) return new("invalid_request", "RequestedBy is missing: someone must own the request");
        if (m.RequestedBy.Length > 200) return new("invalid_request", "RequestedBy is longer than 200 characters");
        if (string.IsNullOrWhiteSpace(m.Reason)) return new("invalid_request", "Reason is missing: say why, for the approvers and the audit log");
        if (m.Reason.Length > MaxTextLength) return new("invalid_request", $"Reason is longer than {MaxTextLength} characters");
        if (m.ChangeTicket is { Length: > 200 }) return new("invalid_request", "ChangeTicket is longer than 200 characters");
        return null;
    }

    private static AuditAppend Record(PromotionState s, string actor, string action, object details) =>
        new(actor, action, "promotion", s.CorrelationId.ToString("D"), string.IsNullOrEmpty(s.ModelName) ? null : s.ModelName,
            new Dictionary<string, object?>
            {
                ["model"] = s.ModelName, ["version"] = s.ModelVersion, ["targetStage"] = s.TargetStage, ["details"] = details,
            });

    private static bool SameInstant(DateTimeOffset a, DateTimeOffset b) => Math.Abs((a - b).TotalMilliseconds) < 1;
}

/// <summary>Checks that an <see cref="ApprovalDecided"/> is authentic and its approver holds the role (docs/ticketing.md).</summary>
public interface IApprovalAuthenticator
{
    Rejection? Check(ApprovalDecided decision);
}
