using MassTransit;

namespace ModelRegistry.Contracts.Promotion;

/// <summary>
/// Command from a ticketing integration: one approver's decision on a promotion, signed with the integration's secret
/// (HMAC-SHA256 over the canonical form mreg-approval-v2, which names the model version, stage, manifest digest
/// and request nonce it approves: docs/ticketing.md). Unsigned, badly signed or otherwise unacceptable
/// decisions are refused with <see cref="ApprovalRefused"/>, audited, and leave the promotion waiting.
/// </summary>
[EntityName("mreg.approval-decided")]
public record ApprovalDecided
{
    /// <summary>The promotion's id, chosen by its requester.</summary>
    public Guid PromotionId { get; init; }

    /// <summary>The model approved, as in the request; signed, and must be the promotion's.</summary>
    public string ModelName { get; init; } = "";

    /// <summary>The version approved, as in the request; signed, and must be the promotion's.</summary>
    public int Version { get; init; }

    /// <summary>The stage approved, as in the request; signed, and must be the promotion's.</summary>
    public string TargetStage { get; init; } = "";

    /// <summary>The manifest digest approved (the request's evidence.manifestDigest); signed, and must be the version's.</summary>
    public string ManifestDigest { get; init; } = "";

    /// <summary>The nonce of the request answered; signed, and must be the one the registry issued. Without it the decision is
    /// taken as signed in the old v1 form, which is refused unless the integration's configuration accepts it.</summary>
    public string Nonce { get; init; } = "";

    /// <summary>The ticketing integration that signed (its secret is configured in Ticketing:Integrations).</summary>
    public string Integration { get; init; } = "";

    /// <summary>The ticket in the ticketing system.</summary>
    public string TicketId { get; init; } = "";

    /// <summary>The approver's identity, as in the approver directory (Approvers configuration).</summary>
    public string Approver { get; init; } = "";

    /// <summary>The role the approver signs as; they must hold it.</summary>
    public string Role { get; init; } = "";

    /// <summary>approved or rejected.</summary>
    public string Decision { get; init; } = "";

    /// <summary>The approver's comment.</summary>
    public string Comment { get; init; } = "";

    /// <summary>When the approver decided.</summary>
    public DateTimeOffset DecidedAt { get; init; }

    /// <summary>Lower-case hex HMAC-SHA256 of the canonical fields (docs/ticketing.md).</summary>
    public string Signature { get; init; } = "";
}
