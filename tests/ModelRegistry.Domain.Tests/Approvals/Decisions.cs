using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Promotion.Approvals;

namespace ModelRegistry.Domain.Tests.Approvals;

/// <summary>A valid decision, the configuration that accepts it, and a way to sign variations of it.</summary>
internal static class Decisions
{
    public const string JiraSecret = "jira-test-secret-0123456789abcdef-0123456789";
    public const string ServiceNowSecret = "servicenow-test-secret-0123456789abcdef-xyz";

    public static readonly byte[] JiraKey = ApprovalSignature.SecretBytes(JiraSecret);

    public const string Digest = "sha256:2d20c7e67981cb488b7a0f7c9e0ebcb3abd8b66b93d17291f214f221abb32b4c";
    public const string Nonce = "8c1f0e5a9b3d47e2a6f4c0d9e8b7a6f5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9";

    /// <summary>What the promotion of <see cref="Unsigned"/> names, requested an hour before it was decided, due a day after.</summary>
    public static ApprovalTerms Terms => new("ticket-router", 4, "production", Digest, Nonce,
        new DateTimeOffset(2026, 11, 26, 13, 3, 7, TimeSpan.Zero), new DateTimeOffset(2026, 11, 27, 13, 3, 7, TimeSpan.Zero));

    public static ApprovalDecided Unsigned => new()
    {
        PromotionId = Guid.Parse("3f2504e0-4f89-41d3-9a0c-0305e82c3301"),
        ModelName = "ticket-router",
        Version = 4,
        TargetStage = "production",
        ManifestDigest = Digest,
        Nonce = Nonce,
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
            ["jira"] = new TicketingIntegrationOptions { Secret = JiraSecret, Approvers = ["*"], Roles = ["*"] },
            ["servicenow"] = new TicketingIntegrationOptions { Secret = ServiceNowSecret, Approvers = ["*"], Roles = ["*"] },
        },
    };

    public static ApproverDirectory Directory => ApproverDirectory.Of(
        ("alice", ["model-risk-officer"]),
        ("bob", ["security-review"]),
        ("carol", ["model-risk-officer", "security-review"]));
}
