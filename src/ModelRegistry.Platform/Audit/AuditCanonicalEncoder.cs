using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;

namespace ModelRegistry.Platform.Audit;

/// <summary>
/// Writes canonical forms into reused buffers (see <see cref="AuditChain.Canonical"/>) and hashes them with a reused
/// SHA-256 context. Details are canonicalized in one pass: each member's value is written in canonical form as it is
/// read, then the object's members are sorted and copied once into place.
/// </summary>
internal sealed class AuditCanonicalEncoder
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    [ThreadStatic]
    private static AuditCanonicalEncoder? shared;

    /// <summary>One per thread, for the static helpers.</summary>
    public static AuditCanonicalEncoder Shared => shared ??= new AuditCanonicalEncoder();

    private readonly IncrementalHash sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly AuditCanonicalDetails details = new();
    private byte[] record = new byte[1024];
    private int recordLength;
    private byte[] source = new byte[1024];

    /// <summary>SHA-256 of the canonical form into <paramref name="destination"/> (32 bytes).</summary>
    public void Hash(long sequence, DateTimeOffset recordedAt, string actor, string action, string subjectType, string subject,
        string? modelName, string detailsJson, string previousHash, Span<byte> destination)
    {
        sha256.AppendData(Encode(sequence, recordedAt, actor, action, subjectType, subject, modelName, detailsJson, previousHash));
        sha256.GetHashAndReset(destination);
    }

    public ReadOnlySpan<byte> Encode(long sequence, DateTimeOffset recordedAt, string actor, string action, string subjectType,
        string subject, string? modelName, string detailsJson, string previousHash)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(action);
        ArgumentNullException.ThrowIfNull(subjectType);
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentNullException.ThrowIfNull(detailsJson);
        ArgumentNullException.ThrowIfNull(previousHash);
        var canonicalDetails = EncodeDetails(detailsJson);

        recordLength = 0;
        AuditCanonicalBuffer.Put(ref record, ref recordLength, "mreg-audit-v1\n"u8);
        Span<byte> scalar = stackalloc byte[32];
        sequence.TryFormat(scalar, out var written, default, CultureInfo.InvariantCulture);
        Field(scalar[..written]);
        Field(scalar[..AuditCanonicalTimestamp.Write(recordedAt.UtcDateTime, scalar)]);
        Field(actor);
        Field(action);
        Field(subjectType);
        Field(subject);
        if (modelName is null) AuditCanonicalBuffer.Put(ref record, ref recordLength, "-\n"u8);
        else Field(modelName);
        Field(canonicalDetails);
        Field(previousHash);
        return record.AsSpan(0, recordLength);
    }

    /// <summary>The canonical form of a record given as UTF-8 (see <see cref="AuditRecordUtf8"/>); the same bytes as the text overload.</summary>
    /// <exception cref="FormatException">A text is not valid UTF-8, the time is outside DateTime's range, or the details have no canonical form.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ReadOnlySpan<byte> Encode(scoped in AuditRecordUtf8 r)
    {
        if (!IsUtf8(r.Actor) || !IsUtf8(r.Action) || !IsUtf8(r.SubjectType) || !IsUtf8(r.Subject) || (r.HasModelName && !IsUtf8(r.ModelName)) ||
            !IsUtf8(r.PreviousHash))
            throw new FormatException("a text is not valid UTF-8");
        if (r.RecordedAtUtcTicks is < 0 or > 3155378975999999999) // DateTime.MaxValue.Ticks
            throw new FormatException("its time is outside the years 1 to 9999");
        var canonicalDetails = EncodeDetails(r.DetailsJson);

        recordLength = 0;
        AuditCanonicalBuffer.Put(ref record, ref recordLength, "mreg-audit-v1\n"u8);
        Span<byte> scalar = stackalloc byte[32];
        r.Sequence.TryFormat(scalar, out var written, default, CultureInfo.InvariantCulture);
        Field(scalar[..written]);
        Field(scalar[..AuditCanonicalTimestamp.Write(new DateTime(r.RecordedAtUtcTicks, DateTimeKind.Utc), scalar)]);
        Field(r.Actor);
        Field(r.Action);
        Field(r.SubjectType);
        Field(r.Subject);
        if (r.HasModelName) Field(r.ModelName);
        else AuditCanonicalBuffer.Put(ref record, ref recordLength, "-\n"u8);
        Field(canonicalDetails);
        Field(r.PreviousHash);
        return record.AsSpan(0, recordLength);
    }

    private static bool IsUtf8(ReadOnlySpan<byte> text) => System.Text.Unicode.Utf8.IsValid(text);

    public ReadOnlySpan<byte> EncodeDetails(string json)
    {
        var length = Utf8(json, ref source, 0);
        return EncodeDetails(source.AsSpan(0, length));
    }

    /// <summary>The canonical form of details given as UTF-8 JSON.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ReadOnlySpan<byte> EncodeDetails(ReadOnlySpan<byte> json)
    {
        if (!IsUtf8(json)) throw new FormatException("details are not valid UTF-8");
        return details.Encode(json);
    }

    // Strict UTF-8 of value at buffer[offset..]; returns the byte count.
    private static int Utf8(string value, ref byte[] buffer, int offset)
    {
        try
        {
            if (Ascii.IsValid(value))
            {
                AuditCanonicalBuffer.Grow(ref buffer, offset + value.Length);
                Ascii.FromUtf16(value, buffer.AsSpan(offset), out var written);
                return written;
            }
            AuditCanonicalBuffer.Grow(ref buffer, offset + StrictUtf8.GetMaxByteCount(value.Length));
            return StrictUtf8.GetBytes(value, buffer.AsSpan(offset));
        }
        catch (EncoderFallbackException e)
        {
            throw new FormatException("a text is not valid Unicode (lone surrogate): " + e.Message, e);
        }
    }

    private void Field(string value)
    {
        // The byte count is known only after encoding: encode after room for the longest prefix, then close the gap.
        const int room = 12;
        AuditCanonicalBuffer.Grow(ref record, recordLength + room);
        var length = Utf8(value, ref record, recordLength + room);
        Span<byte> prefix = stackalloc byte[room];
        length.TryFormat(prefix, out var written, default, CultureInfo.InvariantCulture);
        prefix[written++] = (byte)':';
        record.AsSpan(recordLength + room, length).CopyTo(record.AsSpan(recordLength + written));
        prefix[..written].CopyTo(record.AsSpan(recordLength));
        recordLength += written + length;
        AuditCanonicalBuffer.Put(ref record, ref recordLength, (byte)'\n');
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Field(ReadOnlySpan<byte> value)
    {
        Span<byte> prefix = stackalloc byte[12];
        value.Length.TryFormat(prefix, out var written, default, CultureInfo.InvariantCulture);
        prefix[written++] = (byte)':';
        AuditCanonicalBuffer.Put(ref record, ref recordLength, prefix[..written]);
        AuditCanonicalBuffer.Put(ref record, ref recordLength, value);
        AuditCanonicalBuffer.Put(ref record, ref recordLength, (byte)'\n');
    }
}
