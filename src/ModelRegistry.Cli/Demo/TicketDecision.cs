using ModelRegistry.Promotion.Approvals;

namespace ModelRegistry.Cli.Demo;

/// <summary>What the demo's approvers decide on a ticket the release manager expects: approve, or reject with a reason.</summary>
internal sealed record TicketDecision(string Decision, string Comment)
{
    public static TicketDecision Approve(string comment) => new(ApprovalSignature.Approved, comment);

    public static TicketDecision Reject(string reason) => new(ApprovalSignature.Rejected, reason);

    public bool Approves => Decision == ApprovalSignature.Approved;
}
