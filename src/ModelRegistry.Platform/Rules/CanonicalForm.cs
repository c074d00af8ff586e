using System.Globalization;
using System.Text;

namespace ModelRegistry.Platform.Rules;

/// <summary>
/// The byte layout every signed form shares, those of the approval conversation (docs/ticketing.md, Signing) and the audit
/// checkpoint (docs/audit.md, Checkpoints): a tag line, then
/// each field as its length in UTF-8 bytes, a colon, the bytes and a line feed (<c>{n}:{value}\n</c>), so no value can be
/// mistaken for another whatever characters it holds. The tag says which form it is, so a signature over one form never
/// verifies as another.
/// </summary>
public sealed class CanonicalForm
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private readonly List<byte> buffer = new(512);

    public CanonicalForm(string tag)
    {
        ArgumentException.ThrowIfNullOrEmpty(tag);
        buffer.AddRange(Encoding.ASCII.GetBytes(tag + "\n"));
    }

    /// <summary>The signed timestamp format: ISO 8601, UTC, exactly six fractional digits, 'Z'.</summary>
    /// <remarks>Its own constant, not the audit chain's: integrators' signatures must not change when that one does.</remarks>
    public const string TimestampFormat = "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'ffffff'Z'";

    /// <summary>The instant as signed: UTC, truncated (never rounded) to microseconds, e.g. <c>2026-11-26T14:03:07.250000Z</c>.</summary>
    public static string Timestamp(DateTimeOffset instant)
    {
        var ticks = instant.UtcTicks;
        return new DateTime(ticks - ticks % 10, DateTimeKind.Utc).ToString(TimestampFormat, CultureInfo.InvariantCulture);
    }

    /// <summary>Appends a text field (null is the empty field <c>0:\n</c>).</summary>
    /// <exception cref="FormatException">The text is not valid Unicode (a lone surrogate).</exception>
    public CanonicalForm Add(string? value, string field)
    {
        var bytes = Utf8(value ?? "", field);
        buffer.AddRange(Encoding.ASCII.GetBytes(bytes.Length.ToString(CultureInfo.InvariantCulture) + ":"));
        buffer.AddRange(bytes);
        buffer.Add((byte)'\n');
        return this;
    }

    /// <summary>Appends a number as decimal ASCII digits (a minus sign when negative), no leading zeros.</summary>
    public CanonicalForm Add(int value, string field) => Add(value.ToString(CultureInfo.InvariantCulture), field);

    /// <summary>Appends a number as decimal ASCII digits (a minus sign when negative), no leading zeros.</summary>
    public CanonicalForm Add(long value, string field) => Add(value.ToString(CultureInfo.InvariantCulture), field);

    /// <summary>Appends a promotion id: lower case, hyphenated, 36 bytes.</summary>
    public CanonicalForm Add(Guid value, string field) => Add(value.ToString("D", CultureInfo.InvariantCulture), field);

    /// <summary>Appends an instant as <see cref="Timestamp"/> writes it.</summary>
    public CanonicalForm Add(DateTimeOffset value, string field) => Add(Timestamp(value), field);

    public byte[] ToArray() => [.. buffer];

    /// <summary>The strict UTF-8 bytes of a text.</summary>
    /// <exception cref="FormatException">The text is not valid Unicode (a lone surrogate).</exception>
    public static byte[] Utf8(string value, string field)
    {
        ArgumentNullException.ThrowIfNull(value);
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
