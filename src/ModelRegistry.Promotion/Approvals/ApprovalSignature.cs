using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Platform.Rules;
using ModelRegistry.Platform;

namespace ModelRegistry.Promotion.Approvals;

/// <summary>
/// The signature of an <see cref="ApprovalDecided"/>: lower-case hex HMAC-SHA256, keyed with the integration's secret,
/// of the message's canonical form. docs/ticketing.md describes the same for integrators, with a worked example.
/// </summary>
public static class ApprovalSignature
{
    /// <summary>The first line of every canonical form; a new format would get a new tag.</summary>
    public const string FormatTag = "mreg-approval-v1";

    /// <summary>Decisions as signed and counted: exactly these, lower case.</summary>
    public const string Approved = "approved";

    /// <summary>See <see cref="Approved"/>.</summary>
    public const string Rejected = "rejected";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The bytes of a configured secret: its UTF-8 encoding, exactly as configured (no trimming, no decoding of hex or base64).</summary>
    /// <exception cref="FormatException">The secret is not valid Unicode (a lone surrogate).</exception>
    public static byte[] SecretBytes(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        return Utf8(secret, "the secret");
    }

    /// <summary>
    /// The canonical form: the exact bytes that are signed.
    /// </summary>
    /// <remarks>
    /// <para>UTF-8, no byte order mark. The line <c>mreg-approval-v1\n</c>, then eight fields in this order, each written as
    /// its length in UTF-8 bytes (decimal, no sign or leading zeros), a colon, the bytes, and a line feed
    /// (<c>{n}:{value}\n</c>), so no value can be mistaken for another whatever characters it holds:</para>
    /// <list type="number">
    /// <item>promotionId: lower-case, hyphenated (<c>3f2504e0-4f89-41d3-9a0c-0305e82c3301</c>);</item>
    /// <item>integration; 3. ticketId; 4. approver; 5. role; 6. decision; 7. comment (empty: <c>0:\n</c>): the text as is;</item>
    /// <item>decidedAt: UTC, ISO 8601 with exactly six fractional digits and 'Z' (<c>2026-11-26T14:03:07.250000Z</c>),
    /// truncated to whole microseconds, never rounded.</item>
    /// </list>
    /// </remarks>
    /// <exception cref="FormatException">A text is not valid Unicode (a lone surrogate).</exception>
    public static byte[] Canonical(ApprovalDecided message)
    {
        ArgumentNullException.ThrowIfNull(message);
        using var buffer = new MemoryStream(256);
        buffer.Write(Encoding.ASCII.GetBytes(FormatTag + "\n"));
        Field(buffer, message.PromotionId.ToString("D", CultureInfo.InvariantCulture), "PromotionId");
        Field(buffer, message.Integration, "Integration");
        Field(buffer, message.TicketId, "TicketId");
        Field(buffer, message.Approver, "Approver");
        Field(buffer, message.Role, "Role");
        Field(buffer, message.Decision, "Decision");
        Field(buffer, message.Comment, "Comment");
        Field(buffer, FormatTimestamp(message.DecidedAt), "DecidedAt");
        return buffer.ToArray();
    }

    /// <summary>The signed timestamp format: ISO 8601, UTC, exactly six fractional digits, 'Z'.</summary>
    /// <remarks>Its own constant, not the audit chain's: integrators' signatures must not change when that one does.</remarks>
    public const string TimestampFormat = "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'ffffff'Z'";

    /// <summary>The instant as signed: UTC, truncated (never rounded) to microseconds, e.g. <c>2026-11-26T14:03:07.250000Z</c>.</summary>
    public static string FormatTimestamp(DateTimeOffset instant)
    {
        var ticks = instant.UtcTicks;
        return new DateTime(ticks - ticks % 10, DateTimeKind.Utc).ToString(TimestampFormat, CultureInfo.InvariantCulture);
    }

    /// <summary>Lower-case hex HMAC-SHA256 of <see cref="Canonical"/> keyed with <paramref name="secret"/>.</summary>
    /// <exception cref="ArgumentException">The secret is empty.</exception>
    /// <exception cref="FormatException">A text is not valid Unicode.</exception>
    public static string Compute(ApprovalDecided message, byte[] secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        if (secret.Length == 0) throw new ArgumentException("the secret is empty", nameof(secret));
        return Convert.ToHexStringLower(HMACSHA256.HashData(secret, Canonical(message)));
    }

    /// <summary>The message with <see cref="ApprovalDecided.Signature"/> set to <see cref="Compute"/>.</summary>
    public static ApprovalDecided Sign(ApprovalDecided message, byte[] secret) => message with { Signature = Compute(message, secret) };

    /// <summary>
    /// Whether the message's signature is the HMAC of its canonical fields with <paramref name="secret"/>, compared in
    /// constant time. False when the signature is missing or is not 64 lower-case hex digits, when the secret is empty,
    /// and when a field is not valid Unicode.
    /// </summary>
    public static bool Verify(ApprovalDecided message, byte[] secret)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(secret);
        if (secret.Length == 0 || !IsWellFormed(message.Signature)) return false;
        byte[] canonical;
        try
        {
            canonical = Canonical(message);
        }
        catch (FormatException)
        {
            return false;
        }
        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(secret, canonical, expected);
        Span<byte> given = stackalloc byte[HMACSHA256.HashSizeInBytes];
        Convert.FromHexString(message.Signature, given, out _, out _);
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }

    /// <summary>Whether <paramref name="signature"/> has the form of one: exactly 64 lower-case hex digits.</summary>
    public static bool IsWellFormed(string? signature) => FieldRules.IsSha256Hex(signature);

    private static void Field(MemoryStream buffer, string? value, string field)
    {
        var bytes = Utf8(value ?? "", field);
        buffer.Write(Encoding.ASCII.GetBytes(bytes.Length.ToString(CultureInfo.InvariantCulture) + ":"));
        buffer.Write(bytes);
        buffer.WriteByte((byte)'\n');
    }

    private static byte[] Utf8(string value, string field)
    {
        try
        {
            return StrictUtf8.GetBytes(value);
        }
        catch (EncoderFallbackException e)
        {
            throw new FormatException($"{field} is not valid Unicode (lone surrogate)", e);
        }
    }
}
