using System.Security.Cryptography;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Promotion.Approvals;

/// <summary>
/// The signature of an <see cref="ApprovalDecided"/>: lower-case hex HMAC-SHA256, keyed with the integration's secret,
/// of the message's canonical form. docs/ticketing.md describes the same for integrators, with a worked example.
/// </summary>
/// <remarks>
/// Two forms exist. <see cref="FormatTag"/> (v2) names what is approved (model, version, target stage, manifest digest)
/// and the nonce of the request it answers; a decision carrying a <c>nonce</c> is in this form. <see cref="V1FormatTag"/>
/// covers only the promotion id and the decision's own fields: a decision without a nonce is in that form, and counts only
/// where its integration's configuration accepts it (<see cref="TicketingIntegrationOptions.AcceptV1Decisions"/>).
/// </remarks>
public static class ApprovalSignature
{
    /// <summary>The first line of the canonical form of a decision.</summary>
    public const string FormatTag = "mreg-approval-v2";

    /// <summary>The first line of the old form, which names neither the model version nor the stage it approves.</summary>
    public const string V1FormatTag = "mreg-approval-v1";

    /// <summary>Decisions as signed and counted: exactly these, lower case.</summary>
    public const string Approved = "approved";

    /// <summary>See <see cref="Approved"/>.</summary>
    public const string Rejected = "rejected";

    /// <summary>The signed timestamp format (<see cref="CanonicalForm.TimestampFormat"/>).</summary>
    public const string TimestampFormat = CanonicalForm.TimestampFormat;

    /// <summary>The bytes of a configured secret: its UTF-8 encoding, exactly as configured (no trimming, no decoding of hex or base64).</summary>
    /// <exception cref="FormatException">The secret is not valid Unicode (a lone surrogate).</exception>
    public static byte[] SecretBytes(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        return CanonicalForm.Utf8(secret, "the secret");
    }

    /// <summary>Whether the decision is in the old form: it carries no nonce.</summary>
    public static bool IsV1(ApprovalDecided message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return string.IsNullOrEmpty(message.Nonce);
    }

    /// <summary>
    /// The canonical form (v2): the exact bytes that are signed.
    /// </summary>
    /// <remarks>
    /// The line <c>mreg-approval-v2\n</c>, then thirteen fields in this order, as <see cref="CanonicalForm"/> writes them:
    /// 1. promotionId (lower case, hyphenated); 2. modelName; 3. version (decimal); 4. targetStage; 5. manifestDigest;
    /// 6. nonce (from the <see cref="ApprovalRequested"/> answered); 7. integration; 8. ticketId; 9. approver; 10. role;
    /// 11. decision; 12. comment (empty: <c>0:\n</c>); 13. decidedAt (UTC, six fractional digits, 'Z', truncated to whole
    /// microseconds).
    /// </remarks>
    /// <exception cref="FormatException">A text is not valid Unicode (a lone surrogate).</exception>
    public static byte[] Canonical(ApprovalDecided message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new CanonicalForm(FormatTag)
            .Add(message.PromotionId, "promotionId")
            .Add(message.ModelName, "modelName")
            .Add(message.Version, "version")
            .Add(message.TargetStage, "targetStage")
            .Add(message.ManifestDigest, "manifestDigest")
            .Add(message.Nonce, "nonce")
            .Add(message.Integration, "integration")
            .Add(message.TicketId, "ticketId")
            .Add(message.Approver, "approver")
            .Add(message.Role, "role")
            .Add(message.Decision, "decision")
            .Add(message.Comment, "comment")
            .Add(message.DecidedAt, "decidedAt")
            .ToArray();
    }

    /// <summary>
    /// The old canonical form (v1): <c>mreg-approval-v1\n</c>, then promotionId, integration, ticketId, approver, role,
    /// decision, comment and decidedAt.
    /// </summary>
    /// <exception cref="FormatException">A text is not valid Unicode (a lone surrogate).</exception>
    public static byte[] CanonicalV1(ApprovalDecided message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new CanonicalForm(V1FormatTag)
            .Add(message.PromotionId, "promotionId")
            .Add(message.Integration, "integration")
            .Add(message.TicketId, "ticketId")
            .Add(message.Approver, "approver")
            .Add(message.Role, "role")
            .Add(message.Decision, "decision")
            .Add(message.Comment, "comment")
            .Add(message.DecidedAt, "decidedAt")
            .ToArray();
    }

    /// <summary>The instant as signed: UTC, truncated (never rounded) to microseconds, e.g. <c>2026-11-26T14:03:07.250000Z</c>.</summary>
    public static string FormatTimestamp(DateTimeOffset instant) => CanonicalForm.Timestamp(instant);

    /// <summary>Lower-case hex HMAC-SHA256 of <see cref="Canonical"/> (v2) keyed with <paramref name="secret"/>.</summary>
    /// <exception cref="ArgumentException">The secret is empty.</exception>
    /// <exception cref="FormatException">A text is not valid Unicode.</exception>
    public static string Compute(ApprovalDecided message, byte[] secret) => Hmac(Canonical(message), secret);

    /// <summary>Lower-case hex HMAC-SHA256 of <see cref="CanonicalV1"/>: what an integration still on v1 sends.</summary>
    public static string ComputeV1(ApprovalDecided message, byte[] secret) => Hmac(CanonicalV1(message), secret);

    /// <summary>The message with <see cref="ApprovalDecided.Signature"/> set to <see cref="Compute"/> (v2).</summary>
    public static ApprovalDecided Sign(ApprovalDecided message, byte[] secret) => message with { Signature = Compute(message, secret) };

    /// <summary>The message without a nonce, signed in the old form (<see cref="ComputeV1"/>).</summary>
    public static ApprovalDecided SignV1(ApprovalDecided message, byte[] secret)
    {
        ArgumentNullException.ThrowIfNull(message);
        var v1 = message with { Nonce = "" };
        return v1 with { Signature = ComputeV1(v1, secret) };
    }

    /// <summary>
    /// Whether the message's signature is the HMAC, with <paramref name="secret"/>, of its canonical form: v2, or v1 when it
    /// carries no nonce (<see cref="IsV1"/>); compared in constant time. False when the signature is missing or is not 64
    /// lower-case hex digits, when the secret is empty, and when a field is not valid Unicode.
    /// </summary>
    public static bool Verify(ApprovalDecided message, byte[] secret)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(secret);
        if (secret.Length == 0 || !IsWellFormed(message.Signature)) return false;
        byte[] canonical;
        try
        {
            canonical = IsV1(message) ? CanonicalV1(message) : Canonical(message);
        }
        catch (FormatException)
        {
            return false;
        }
        return Matches(canonical, secret, message.Signature);
    }

    /// <summary>Whether <paramref name="signature"/> has the form of one: exactly 64 lower-case hex digits.</summary>
    public static bool IsWellFormed(string? signature) => FieldRules.IsSha256Hex(signature);

    /// <summary>Whether the well-formed <paramref name="signature"/> is the HMAC of <paramref name="canonical"/>, in constant time.</summary>
    internal static bool Matches(byte[] canonical, byte[] secret, string signature)
    {
        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(secret, canonical, expected);
        Span<byte> given = stackalloc byte[HMACSHA256.HashSizeInBytes];
        Convert.FromHexString(signature, given, out _, out _);
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }

    internal static string Hmac(byte[] canonical, byte[] secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        if (secret.Length == 0) throw new ArgumentException("the secret is empty", nameof(secret));
        return Convert.ToHexStringLower(HMACSHA256.HashData(secret, canonical));
    }
}
