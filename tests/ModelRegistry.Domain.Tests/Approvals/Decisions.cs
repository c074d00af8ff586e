using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Promotion.Approvals;

namespace ModelRegistry.Domain.Tests.Approvals;

/// <summary>A valid decision, the configuration that accepts it, and a way to sign variations of it.</summary>
internal static class Decisions
{
    public const string JiraSecret = "jira-test-secret-0123456789abcdef-0123456789";
    public const string ServiceNowSecret = "servicenow-test-secret-0123456789abcdef-xyz";

    public static readonly byte[] JiraKey = ApprovalSignature.SecretBytes(JiraSecret);

    public static ApprovalDecided Unsigned => new()
    {
        PromotionId = Guid.Parse("3f2504e0-4f89-41d3-9a0c-0305e82c3301"),
        Integration = "jira",
        TicketId = "MRISK-1042",
        Approver = "alice",
        Role = "model-risk-officer",
        Decision = "approved",
        Comment = "Gates and lineage reviewed.",
        DecidedAt = new DateTimeOffset(2026, 11, 26, 14, 3, 7, 250, TimeSpan.Zero),
    };

    public static ApprovalDecided Signed(Func<ApprovalDecided, ApprovalDecided>? change = null, byte[]? key = null) =>
        ApprovalSignature.Sign((change ?? (m => m))(Unsigned), key ?? JiraKey);

    public static TicketingOptions Ticketing => new()
    {
        Integrations =
        {
            ["jira"] = new TicketingIntegrationOptions { Secret = JiraSecret },
            ["servicenow"] = new TicketingIntegrationOptions { Secret = ServiceNowSecret },
        },
    };

    public static ApproverDirectory Directory => ApproverDirectory.Of(
        ("alice", ["model-risk-officer"]),
        ("bob", ["security-review"]),
        ("carol", ["model-risk-officer", "security-review"]));
}
