using ModelRegistry.Platform.Rules;
using System.Security.Cryptography;
using ModelRegistry.Contracts.Promotion;

namespace ModelRegistry.Promotion.Approvals;

/// <summary>
/// The registry's signature of an <see cref="ApprovalRequested"/> for one integration: lower-case hex HMAC-SHA256, keyed
/// with that integration's secret, of the request's canonical form. Each integration checks its own entry of
/// <see cref="ApprovalRequested.Signatures"/>, so it can tell a request the registry sent from one anybody else published
/// (docs/ticketing.md, Signing).
/// </summary>
public static class ApprovalRequestSignature
{
    /// <summary>The first line of the canonical form of a request.</summary>
    public const string FormatTag = "mreg-approval-request-v1";

    /// <summary>
    /// The canonical form for <paramref name="integration"/>: the line <c>mreg-approval-request-v1\n</c>, then fifteen
    /// fields as <see cref="CanonicalForm"/> writes them: 1. promotionId; 2. integration (the one the signature is for);
    /// 3. modelName; 4. version; 5. fromStage; 6. targetStage; 7. riskTier; 8. requestedBy; 9. reason; 10. changeTicket
    /// (none: empty); 11. requiredRoles, joined by commas in the order sent; 12. distinctApprovers; 13. deadline;
    /// 14. evidence.manifestDigest; 15. nonce. The rest of the evidence is not signed.
    /// </summary>
    /// <exception cref="FormatException">A text is not valid Unicode (a lone surrogate).</exception>
    public static byte[] Canonical(ApprovalRequested request, string integration)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(integration);
        return new CanonicalForm(FormatTag)
            .Add(request.PromotionId, "promotionId")
            .Add(integration, "integration")
            .Add(request.ModelName, "modelName")
            .Add(request.Version, "version")
            .Add(request.FromStage, "fromStage")
            .Add(request.TargetStage, "targetStage")
            .Add(request.RiskTier, "riskTier")
            .Add(request.RequestedBy, "requestedBy")
            .Add(request.Reason, "reason")
            .Add(request.ChangeTicket, "changeTicket")
            .Add(string.Join(",", request.RequiredRoles), "requiredRoles")
            .Add(request.DistinctApprovers, "distinctApprovers")
            .Add(request.Deadline, "deadline")
            .Add(request.Evidence?.ManifestDigest, "manifestDigest")
            .Add(request.Nonce, "nonce")
            .ToArray();
    }

    /// <summary>The signature of the request for <paramref name="integration"/>, keyed with its secret.</summary>
    public static string Compute(ApprovalRequested request, string integration, byte[] secret) =>
        ApprovalSignature.Hmac(Canonical(request, integration), secret);

    /// <summary>One signature per configured integration, by name.</summary>
    public static IReadOnlyDictionary<string, string> ForEach(ApprovalRequested request, TicketingOptions ticketing)
    {
        ArgumentNullException.ThrowIfNull(ticketing);
        var signatures = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in ticketing.Integrations.Keys)
        {
            if (ticketing.SecretOf(name) is { } secret) signatures[name] = Compute(request, name, secret);
        }
        return signatures;
    }

    /// <summary>Whether the request carries, for <paramref name="integration"/>, the signature its secret makes; in constant time.</summary>
    public static bool Verify(ApprovalRequested request, string integration, byte[] secret)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(secret);
        if (secret.Length == 0 || request.Signatures is null || !request.Signatures.TryGetValue(integration, out var signature)
            || !ApprovalSignature.IsWellFormed(signature))
            return false;
        try
        {
            return ApprovalSignature.Matches(Canonical(request, integration), secret, signature);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>A new request nonce: 32 random bytes as 64 lower-case hex digits.</summary>
    public static string NewNonce() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
}
