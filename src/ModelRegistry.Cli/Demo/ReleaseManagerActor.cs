using ModelRegistry.Contracts.Promotion;

namespace ModelRegistry.Cli.Demo;

/// <summary>
/// Plays a release manager (or a CI/CD pipeline): requests promotions as <c>mreg promote</c> does, a
/// <see cref="RequestPromotion"/> with a new promotion id, and waits on its own queue for the outcome. When the target
/// stage needs approval it tells the ticketing actor first what the approvers will decide.
/// </summary>
internal sealed class ReleaseManagerActor(DemoBroker broker, DemoInbox inbox, TicketingActor ticketing, DemoLog log, TimeSpan timeout)
{
    public const string Name = "release";
    /// <summary>Its inbox: <c>&lt;user&gt;.demo-release</c>, e.g. mreg-operator.demo-release.</summary>
    public const string InboxPurpose = "demo-release";

    /// <summary>Who asks; not in the approver directory, and never an approver of their own request anyway.</summary>
    public const string Requester = "demo-release-manager";

    public static readonly IReadOnlyList<Type> Events =
        [typeof(ModelVersionPromoted), typeof(PromotionRejected), typeof(PromotionCancelled), typeof(ApprovalRefused)];

    /// <summary>Promotes and expects it done; <paramref name="approvers"/> decides if the stage needs approval.</summary>
    public async Task<ModelVersionPromoted> PromoteAsync(TrainedVersion version, string stage, string reason, CancellationToken ct,
        TicketDecision? approvers = null)
    {
        var outcome = await RequestAsync(version, stage, reason, approvers, ct);
        if (outcome is not ModelVersionPromoted promoted)
            throw new DemoFailure(Name, $"{version} was not promoted to {stage}: {Describe(outcome)}");
        var approvedBy = promoted.ApprovedBy.Count == 0 ? "" : $" (approved by {string.Join(", ", promoted.ApprovedBy.Select(a => $"{a.Approver} as {a.Role}"))})";
        var retired = promoted.RetiredVersions.Count == 0 ? "" : $"; v{string.Join(", v", promoted.RetiredVersions)} retired";
        log.Line(Name, $"{version} is in {stage}{approvedBy}{retired}");
        return promoted;
    }

    /// <summary>Promotes and expects the registry to refuse with <paramref name="reasonCode"/> (a failed gate, a rejection).</summary>
    public async Task<PromotionRejected> PromoteExpectingRefusalAsync(TrainedVersion version, string stage, string reason, string reasonCode,
        CancellationToken ct, TicketDecision? approvers = null)
    {
        var outcome = await RequestAsync(version, stage, reason, approvers, ct);
        if (outcome is not PromotionRejected rejected || rejected.ReasonCode != reasonCode)
            throw new DemoFailure(Name, $"{version} -> {stage} should have been refused ({reasonCode}) but: {Describe(outcome)}; " +
                "is the host running with config/promotion-policy.json?");
        log.Line(Name, $"{version} stays out of {stage}, as it should: {rejected.ReasonCode}: {rejected.Message}");
        return rejected;
    }

    private async Task<object> RequestAsync(TrainedVersion version, string stage, string reason, TicketDecision? approvers, CancellationToken ct)
    {
        var request = new RequestPromotion
        {
            PromotionId = Guid.NewGuid(),
            ModelName = version.Model,
            Version = version.Version,
            TargetStage = stage,
            RequestedBy = Requester,
            Reason = reason,
            ChangeTicket = $"CHG-DEMO-{version.Version}",
        };
        if (approvers is not null) ticketing.Expect(request.PromotionId, approvers);
        await broker.PublishAsync(Name, request, ct);
        log.Line(Name, $"asks to promote {version} to {stage} (promotion {request.PromotionId.ToString()[..8]})");

        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(ct, ticketing.Failed);
        object? outcome;
        try
        {
            outcome = await inbox.WaitAsync(e => e switch
            {
                ModelVersionPromoted p => p.PromotionId == request.PromotionId,
                PromotionRejected r => r.PromotionId == request.PromotionId,
                PromotionCancelled c => c.PromotionId == request.PromotionId,
                ApprovalRefused r => r.PromotionId == request.PromotionId,
                _ => false,
            }, timeout, waiting.Token);
        }
        catch (OperationCanceledException) when (ticketing.Failure is { } failure)
        {
            throw failure;
        }
        return outcome switch
        {
            null => throw new DemoFailure(Name, $"no outcome of promotion {request.PromotionId} ({version} -> {stage}) within " +
                $"{PromotionCommands.Format(timeout)}: is the registry running? (./mreg status, ./mreg promotions show {request.PromotionId})"),
            ApprovalRefused refused => throw new DemoFailure(Name, $"the registry did not count {refused.Approver}'s decision on {version} -> {stage}: " +
                $"{refused.ReasonCode}: {refused.Message}{(refused.ReasonCode is "bad_signature" or "unknown_integration" or "approver_unknown" or "approver_lacks_role"
                    ? " (the host and mreg must share Ticketing__Integrations__dev__Secret and the Approvers__* settings)" : "")}"),
            _ => outcome,
        };
    }

    private static string Describe(object outcome) => outcome switch
    {
        ModelVersionPromoted p => $"it was promoted ({p.FromStage} -> {p.ToStage})",
        PromotionRejected r => $"rejected: {r.ReasonCode}: {r.Message}",
        PromotionCancelled c => $"cancelled by {c.CancelledBy}: {c.Reason}",
        _ => outcome.GetType().Name,
    };
}
