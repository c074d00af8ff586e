using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace ModelRegistry.Platform.Audit;

/// <summary>One record of the audit log, as stored in <c>registry.audit_log</c>.</summary>
/// <param name="Sequence">Position in the chain: 1, 2, 3... without gaps.</param>
/// <param name="RecordedAt">When it was recorded; hashed at microsecond precision, in UTC.</param>
/// <param name="Actor">Who did it: a person, a service account, or a worker.</param>
/// <param name="Action">What was done, e.g. <c>version.registered</c>, <c>approval.refused</c>.</param>
/// <param name="SubjectType">The kind of thing it was done to, e.g. <c>model_version</c>.</param>
/// <param name="Subject">Which one, e.g. <c>sentiment/3</c>.</param>
/// <param name="ModelName">The model it concerns, if any.</param>
/// <param name="DetailsJson">The details as JSON (any formatting; <see cref="AuditChain.CanonicalDetails"/> gives the hashed form).</param>
/// <param name="PreviousHash">The <see cref="Hash"/> of record <c>Sequence - 1</c>; <see cref="AuditChain.Genesis"/> for record 1.</param>
/// <param name="Hash">Lowercase hex SHA-256 of the record's canonical form (<see cref="AuditChain.Canonical"/>).</param>
public sealed record AuditEntry(long Sequence, DateTimeOffset RecordedAt, string Actor, string Action, string SubjectType,
    string Subject, string? ModelName, string DetailsJson, string PreviousHash, string Hash);

/// <summary>
/// One record of the audit log as UTF-8 bytes, the way the database sends it (binary COPY): what
/// <see cref="AuditChainVerifier.Add(in AuditRecordUtf8)"/> checks without making a string per field. The texts are the
/// stored texts' UTF-8 bytes; <see cref="DetailsJson"/> is the details as JSON in any formatting.
/// </summary>
public readonly ref struct AuditRecordUtf8
{
    public long Sequence { get; init; }

    /// <summary>When it was recorded, as UTC ticks (<see cref="DateTime.Ticks"/>); outside DateTime's range the record is malformed.</summary>
    public long RecordedAtUtcTicks { get; init; }

    public ReadOnlySpan<byte> Actor { get; init; }
    public ReadOnlySpan<byte> Action { get; init; }
    public ReadOnlySpan<byte> SubjectType { get; init; }
    public ReadOnlySpan<byte> Subject { get; init; }

    /// <summary>False when the record concerns no model (<see cref="ModelName"/> is then ignored).</summary>
    public bool HasModelName { get; init; }

    public ReadOnlySpan<byte> ModelName { get; init; }
    public ReadOnlySpan<byte> DetailsJson { get; init; }
    public ReadOnlySpan<byte> PreviousHash { get; init; }
    public ReadOnlySpan<byte> Hash { get; init; }
}

/// <summary>Why a record breaks the chain.</summary>
public enum AuditFault
{
    /// <summary>The expected sequence number is missing: a record was removed.</summary>
    Gap,

    /// <summary>A sequence number repeats or goes backwards: records were duplicated or reordered.</summary>
    OutOfOrder,

    /// <summary>The record's previous hash is not the hash of the record before it.</summary>
    WrongPreviousHash,

    /// <summary>The stored hash is not the hash of the record's content: a field was changed.</summary>
    HashMismatch,

    /// <summary>The record has no canonical form (its details are not valid JSON, or a text is not valid Unicode).</summary>
    Malformed,
}

/// <summary>The outcome of walking the chain.</summary>
/// <param name="Verified">Records checked and found intact, from the start.</param>
/// <param name="LastSequence">The last intact record's sequence (0 when none).</param>
/// <param name="LastHash">The last intact record's hash (<see cref="AuditChain.Genesis"/> when none): compare it with a copy
/// kept elsewhere (the SIEM's <c>AuditRecorded</c> events) to detect records cut off the end.</param>
/// <param name="FirstBadSequence">The first record that breaks the chain; null when it is intact.</param>
/// <param name="Fault">How it breaks the chain.</param>
/// <param name="Reason">The same, for people.</param>
public sealed record AuditVerification(long Verified, long LastSequence, string LastHash, long? FirstBadSequence, AuditFault? Fault, string? Reason)
{
    public bool Ok => Fault is null;
}

/// <summary>
/// The audit log's hash chain: the canonical serialization of a record, its hash, and verification of a sequence of records.
/// </summary>
/// <remarks>
/// <para>Each record's hash is the SHA-256 of its canonical form, which includes the previous record's hash, so changing,
/// removing or reordering any record changes every hash after it. docs/audit.md describes the same for auditors.</para>
/// </remarks>
public static class AuditChain
{
    /// <summary>The previous hash of record 1: 64 zeros.</summary>
    public const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";

    /// <summary>The first line of every canonical form; a new format would get a new tag.</summary>
    public const string FormatTag = "mreg-audit-v1";

    /// <summary>The canonical timestamp format: ISO 8601, UTC, exactly six fractional digits, 'Z'.</summary>
    public const string TimestampFormat = "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'ffffff'Z'";

    /// <summary>The instant as hashed and as PostgreSQL's <c>timestamptz</c> keeps it: UTC, truncated to whole microseconds.</summary>
    public static DateTimeOffset Truncate(DateTimeOffset instant)
    {
        var ticks = instant.UtcTicks;
        return new DateTimeOffset(ticks - ticks % 10, TimeSpan.Zero);
    }

    /// <summary>The instant in the canonical form, e.g. <c>2024-06-01T12:00:00.123456Z</c> (truncated, never rounded).</summary>
    public static string FormatTimestamp(DateTimeOffset instant) =>
        Truncate(instant).UtcDateTime.ToString(TimestampFormat, CultureInfo.InvariantCulture);

    /// <summary>
    /// The canonical form of the details: the same JSON value with no whitespace, object members sorted by name, and
    /// numbers and strings written one way only.
    /// </summary>
    /// <remarks>
    /// <list type="bullet">
    /// <item>Objects: <c>{</c> members joined by <c>,</c> <c>}</c>, each <c>"name":value</c>; members sorted by the UTF-8 bytes of their
    /// (unescaped) names, i.e. by code point, which is Python's <c>sort_keys=True</c>; of duplicate names the last one is kept
    /// (as <c>jsonb</c> does).</item>
    /// <item>Arrays: <c>[</c> values joined by <c>,</c> <c>]</c>, in order.</item>
    /// <item>Strings: <c>"</c>, <c>\</c> and the controls U+0008, U+0009, U+000A, U+000C, U+000D are written <c>\"</c> <c>\\</c>
    /// <c>\b</c> <c>\t</c> <c>\n</c> <c>\f</c> <c>\r</c>; other controls below U+0020 as <c>\u00xx</c> (lowercase hex); everything else,
    /// <c>/</c> and non-ASCII included, as raw UTF-8. This is Python's <c>json.dumps(..., ensure_ascii=False)</c>. U+0000 is refused
    /// (<c>jsonb</c> cannot store it).</item>
    /// <item>Numbers: plain decimal as PostgreSQL's <c>numeric</c> prints it, so that a round trip through <c>jsonb</c> changes
    /// nothing: no exponent, no leading zeros, no '+', no '-' on zero; the number of fractional digits is
    /// <c>max(0, digits written after the point - exponent)</c>. So <c>1.50</c> stays <c>1.50</c>, <c>1e2</c> is <c>100</c>,
    /// <c>1.5e-3</c> is <c>0.0015</c>, <c>12e-1</c> is <c>1.2</c>, <c>-0.0</c> is <c>0.0</c>. Exponents beyond ±1000 are refused.</item>
    /// <item><c>true</c>, <c>false</c>, <c>null</c> as such.</item>
    /// </list>
    /// </remarks>
    /// <exception cref="FormatException">The text is not one JSON value, or holds U+0000, a lone surrogate or a huge exponent.</exception>
    public static string CanonicalDetails(string detailsJson)
    {
        ArgumentNullException.ThrowIfNull(detailsJson);
        return Encoding.UTF8.GetString(AuditCanonicalEncoder.Shared.EncodeDetails(detailsJson));
    }

    /// <summary>The canonical form of a record: the exact bytes (as UTF-8) whose SHA-256 is its hash.</summary>
    /// <remarks>
    /// <para>UTF-8, no byte order mark. The line <c>mreg-audit-v1\n</c>, then nine fields in this order, each written as its
    /// length in UTF-8 bytes (decimal), a colon, the bytes, and a line feed (<c>{n}:{value}\n</c>), so no value can be
    /// mistaken for another whatever characters it holds:</para>
    /// <list type="number">
    /// <item>sequence: decimal, no sign or leading zeros;</item>
    /// <item>recorded_at: <see cref="FormatTimestamp"/>, e.g. <c>2024-06-01T12:00:00.123456Z</c>;</item>
    /// <item>actor; 4. action; 5. subject_type; 6. subject: the text as is;</item>
    /// <item>model_name: the text, or for none the two bytes <c>-\n</c> (no length, no colon);</item>
    /// <item>details: <see cref="CanonicalDetails"/>;</item>
    /// <item>previous_hash: 64 lowercase hex digits.</item>
    /// </list>
    /// <para>Example (record 1, no model):</para>
    /// <code>
    /// mreg-audit-v1\n1:1\n27:2024-06-01T12:00:00.123456Z\n5:alice\n18:version.registered\n13:model_version\n11:sentiment/1\n-\n13:{"version":1}\n64:000...000\n
    /// </code>
    /// </remarks>
    public static string Canonical(long sequence, DateTimeOffset recordedAt, string actor, string action, string subjectType,
        string subject, string? modelName, string detailsJson, string previousHash) =>
        Encoding.UTF8.GetString(AuditCanonicalEncoder.Shared.Encode(sequence, recordedAt, actor, action, subjectType, subject, modelName,
            detailsJson, previousHash));

    /// <summary>Lowercase hex SHA-256 of <see cref="Canonical"/>.</summary>
    public static string ComputeHash(long sequence, DateTimeOffset recordedAt, string actor, string action, string subjectType,
        string subject, string? modelName, string detailsJson, string previousHash)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        AuditCanonicalEncoder.Shared.Hash(sequence, recordedAt, actor, action, subjectType, subject, modelName, detailsJson, previousHash, hash);
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>The hash <paramref name="entry"/> should have, from its content (its stored <c>Hash</c> is ignored).</summary>
    public static string ComputeHash(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return ComputeHash(entry.Sequence, entry.RecordedAt, entry.Actor, entry.Action, entry.SubjectType, entry.Subject, entry.ModelName,
            entry.DetailsJson, entry.PreviousHash);
    }

    /// <summary>
    /// The record that extends a chain whose last record is (<paramref name="sequence"/> - 1, <paramref name="previousHash"/>):
    /// the time truncated to microseconds in UTC, the details in canonical form, and the hash.
    /// </summary>
    public static AuditEntry Create(long sequence, string previousHash, DateTimeOffset recordedAt, string actor, string action,
        string subjectType, string subject, string? modelName, string detailsJson)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sequence, 1);
        ArgumentNullException.ThrowIfNull(previousHash);
        var at = Truncate(recordedAt);
        var details = CanonicalDetails(detailsJson);
        var hash = ComputeHash(sequence, at, actor, action, subjectType, subject, modelName, details, previousHash);
        return new AuditEntry(sequence, at, actor, action, subjectType, subject, modelName, details, previousHash, hash);
    }

    /// <summary>Walks the chain from record 1 and stops at the first record that breaks it.</summary>
    public static AuditVerification Verify(IEnumerable<AuditEntry> entriesInSequenceOrder)
    {
        ArgumentNullException.ThrowIfNull(entriesInSequenceOrder);
        var verifier = new AuditChainVerifier();
        foreach (var entry in entriesInSequenceOrder)
            if (!verifier.Add(entry)) break;
        return verifier.Result;
    }

    /// <summary>
    /// The verdict of walking a chain in one pass, from the verdicts of its two parts walked separately (e.g. read over two
    /// connections at once): <paramref name="first"/> from record 1, <paramref name="second"/> by a verifier that started after
    /// its first record's own link (sequence <paramref name="secondFirstSequence"/> - 1, hash <paramref name="secondFirstPreviousHash"/>);
    /// null when the second part is empty. Checks that link against the first part's last record, as one pass would.
    /// </summary>
    public static AuditVerification Join(AuditVerification first, AuditVerification? second, long secondFirstSequence, string secondFirstPreviousHash)
    {
        ArgumentNullException.ThrowIfNull(first);
        if (!first.Ok || second is null) return first;
        var link = new AuditChainVerifier(first.LastSequence, first.LastHash, first.Verified);
        return link.Link(secondFirstSequence, secondFirstPreviousHash)
            ? second with { Verified = first.Verified + second.Verified }
            : link.Result;
    }
}

/// <summary>
/// Verifies a chain one record at a time (for records streamed from the database). Reuses its buffers: after the first few
/// records it allocates nothing but the strings of a details object's escaped values. Not thread-safe.
/// </summary>
public sealed class AuditChainVerifier
{
    private readonly AuditCanonicalEncoder encoder = new();
    private long expected;
    // The last intact record's hash as UTF-8 (what the next record must name) and, made on demand, as text.
    private byte[] previousHash;
    private string? previousHashText;
    private long verified;
    private AuditVerification? failure;

    /// <summary>Starts at record 1 (the default) or after a record known to be good, e.g. the last one of an earlier export.</summary>
    public AuditChainVerifier(long afterSequence = 0, string afterHash = AuditChain.Genesis)
        : this(afterSequence, afterHash, verified: 0)
    {
    }

    internal AuditChainVerifier(long afterSequence, string afterHash, long verified)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(afterSequence);
        ArgumentNullException.ThrowIfNull(afterHash);
        expected = afterSequence + 1;
        previousHash = Encoding.UTF8.GetBytes(afterHash);
        previousHashText = afterHash;
        this.verified = verified;
    }

    // Only the sequence and the link of the next record (for AuditChain.Join).
    internal bool Link(long sequence, string namedPreviousHash) =>
        sequence != expected ? FailSequence(sequence)
        : string.Equals(namedPreviousHash, PreviousHashText, StringComparison.Ordinal) || FailPreviousHash(sequence, namedPreviousHash);

    /// <summary>The result so far: intact up to here, or the first fault.</summary>
    public AuditVerification Result => failure ?? new AuditVerification(verified, expected - 1, PreviousHashText, null, null, null);

    private string PreviousHashText => previousHashText ??= Encoding.UTF8.GetString(previousHash);

    /// <summary>Checks the next record; false once the chain is broken (later records are then ignored).</summary>
    public bool Add(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (failure is not null) return false;
        if (entry.Sequence != expected) return FailSequence(entry.Sequence);
        if (!string.Equals(entry.PreviousHash, PreviousHashText, StringComparison.Ordinal))
            return FailPreviousHash(entry.Sequence, entry.PreviousHash);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        Span<char> hex = stackalloc char[SHA256.HashSizeInBytes * 2];
        try
        {
            encoder.Hash(entry.Sequence, entry.RecordedAt, entry.Actor, entry.Action, entry.SubjectType, entry.Subject, entry.ModelName,
                entry.DetailsJson, entry.PreviousHash, hash);
        }
        catch (FormatException e)
        {
            return Fail(entry.Sequence, AuditFault.Malformed, $"record {entry.Sequence} has no canonical form: {e.Message}");
        }
        Convert.TryToHexStringLower(hash, hex, out _);
        if (!hex.SequenceEqual(entry.Hash)) return FailHash(entry.Sequence, hex.ToString(), entry.Hash);
        Intact(entry.Sequence);
        previousHashText = entry.Hash;
        Ascii.FromUtf16(entry.Hash, previousHash, out _); // 64 hex digits: it matched the computed hash
        return true;
    }

    /// <summary>
    /// Checks the next record given as UTF-8 bytes: the same checks, faults and reasons as <see cref="Add(AuditEntry)"/>, but it
    /// allocates nothing for an intact record (the path <c>mreg audit verify</c> takes over a million records).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool Add(in AuditRecordUtf8 record)
    {
        if (failure is not null) return false;
        if (record.Sequence != expected) return FailSequence(record.Sequence);
        if (!record.PreviousHash.SequenceEqual(previousHash)) return FailPreviousHash(record.Sequence, Encoding.UTF8.GetString(record.PreviousHash));
        ReadOnlySpan<byte> canonical;
        try
        {
            canonical = encoder.Encode(record);
        }
        catch (FormatException e)
        {
            return Fail(record.Sequence, AuditFault.Malformed, $"record {record.Sequence} has no canonical form: {e.Message}");
        }
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(canonical, hash);
        Span<byte> hex = stackalloc byte[SHA256.HashSizeInBytes * 2];
        for (var i = 0; i < hash.Length; i++)
        {
            hex[2 * i] = HexDigits[hash[i] >> 4];
            hex[2 * i + 1] = HexDigits[hash[i] & 0xF];
        }
        if (!hex.SequenceEqual(record.Hash)) return FailHash(record.Sequence, Encoding.ASCII.GetString(hex), Encoding.UTF8.GetString(record.Hash));
        Intact(record.Sequence);
        previousHashText = null;
        hex.CopyTo(previousHash);
        return true;
    }

    private static ReadOnlySpan<byte> HexDigits => "0123456789abcdef"u8;

    private void Intact(long sequence)
    {
        expected = sequence + 1;
        verified++;
        if (previousHash.Length != SHA256.HashSizeInBytes * 2) previousHash = new byte[SHA256.HashSizeInBytes * 2];
    }

    private bool FailSequence(long found) => found > expected
        ? Fail(expected, AuditFault.Gap, expected == found - 1
            ? $"record {expected} is missing: the record after {expected - 1} is {found}"
            : $"records {expected} to {found - 1} are missing: the record after {expected - 1} is {found}")
        : Fail(expected, AuditFault.OutOfOrder, $"expected record {expected}, found {found} again or out of order");

    private bool FailPreviousHash(long sequence, string named) => Fail(sequence, AuditFault.WrongPreviousHash,
        $"record {sequence} names previous hash {named}, but record {expected - 1} hashes to {PreviousHashText}");

    private bool FailHash(long sequence, string computed, string stored) => Fail(sequence, AuditFault.HashMismatch,
        $"record {sequence} hashes to {computed}, but its stored hash is {stored}: its content was changed");

    private bool Fail(long sequence, AuditFault fault, string reason)
    {
        failure = new AuditVerification(verified, expected - 1, PreviousHashText, sequence, fault, reason);
        return false;
    }
}

/// <summary>
/// Writes canonical forms into reused buffers (see <see cref="AuditChain.Canonical"/>) and hashes them with a reused
/// SHA-256 context. Details are canonicalized in one pass: each member's value is written in canonical form as it is
/// read, then the object's members are sorted and copied once into place.
/// </summary>
internal sealed class AuditCanonicalEncoder
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    // What a canonical string escapes: '"', '\\' and the controls below U+0020.
    private static readonly SearchValues<byte> NeedsEscape =
        SearchValues.Create([.. Enumerable.Range(0, 0x20).Select(b => (byte)b), (byte)'"', (byte)'\\']);
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 64 };
    private const int MaxExponent = 1000;

    [ThreadStatic]
    private static AuditCanonicalEncoder? shared;

    /// <summary>One per thread, for the static helpers.</summary>
    public static AuditCanonicalEncoder Shared => shared ??= new AuditCanonicalEncoder();

    private readonly IncrementalHash sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private byte[] record = new byte[1024];
    private int recordLength;
    private byte[] source = new byte[1024];
    private byte[] details = new byte[1024];
    private int detailsLength;
    private byte[] assembly = new byte[1024];
    private int assemblyLength;
    private byte[] keys = new byte[256];
    private int keysLength;
    private Member[] members = new Member[32];
    private int memberCount;
    private byte[] text = new byte[256];

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
        EncodeDetails(detailsJson);

        recordLength = 0;
        Put(ref record, ref recordLength, "mreg-audit-v1\n"u8);
        Span<byte> scalar = stackalloc byte[32];
        sequence.TryFormat(scalar, out var written, default, CultureInfo.InvariantCulture);
        Field(scalar[..written]);
        Field(scalar[..WriteTimestamp(recordedAt.UtcDateTime, scalar)]);
        Field(actor);
        Field(action);
        Field(subjectType);
        Field(subject);
        if (modelName is null) Put(ref record, ref recordLength, "-\n"u8);
        else Field(modelName);
        Field(details.AsSpan(0, detailsLength));
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
        EncodeDetails(r.DetailsJson);

        recordLength = 0;
        Put(ref record, ref recordLength, "mreg-audit-v1\n"u8);
        Span<byte> scalar = stackalloc byte[32];
        r.Sequence.TryFormat(scalar, out var written, default, CultureInfo.InvariantCulture);
        Field(scalar[..written]);
        Field(scalar[..WriteTimestamp(new DateTime(r.RecordedAtUtcTicks, DateTimeKind.Utc), scalar)]);
        Field(r.Actor);
        Field(r.Action);
        Field(r.SubjectType);
        Field(r.Subject);
        if (r.HasModelName) Field(r.ModelName);
        else Put(ref record, ref recordLength, "-\n"u8);
        Field(details.AsSpan(0, detailsLength));
        Field(r.PreviousHash);
        return record.AsSpan(0, recordLength);
    }

    private static bool IsUtf8(ReadOnlySpan<byte> text) => System.Text.Unicode.Utf8.IsValid(text);

    // AuditChain.TimestampFormat, written by hand: the general formatter is a noticeable share of verifying a record.
    private static int WriteTimestamp(DateTime utc, Span<byte> output)
    {
        var micros = (int)(utc.Ticks % TimeSpan.TicksPerSecond / 10);
        Digits(output[..4], utc.Year);
        output[4] = (byte)'-';
        Digits(output.Slice(5, 2), utc.Month);
        output[7] = (byte)'-';
        Digits(output.Slice(8, 2), utc.Day);
        output[10] = (byte)'T';
        Digits(output.Slice(11, 2), utc.Hour);
        output[13] = (byte)':';
        Digits(output.Slice(14, 2), utc.Minute);
        output[16] = (byte)':';
        Digits(output.Slice(17, 2), utc.Second);
        output[19] = (byte)'.';
        Digits(output.Slice(20, 6), micros);
        output[26] = (byte)'Z';
        return 27;
    }

    private static void Digits(Span<byte> output, int value)
    {
        for (var i = output.Length - 1; i >= 0; i--, value /= 10) output[i] = (byte)('0' + value % 10);
    }

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
        detailsLength = 0;
        keysLength = 0;
        memberCount = 0;
        try
        {
            var reader = new Utf8JsonReader(json, ReaderOptions);
            if (!reader.Read()) throw new FormatException("details are empty");
            WriteValue(ref reader);
            if (reader.Read()) throw new FormatException("details hold more than one JSON value");
        }
        catch (JsonException e)
        {
            throw new FormatException("details are not valid JSON: " + e.Message, e);
        }
        catch (InvalidOperationException e)
        {
            // Utf8JsonReader.CopyString: an escaped lone surrogate cannot be transcoded.
            throw new FormatException("details hold an invalid string: " + e.Message, e);
        }
        return details.AsSpan(0, detailsLength);
    }

    // Strict UTF-8 of value at buffer[offset..]; returns the byte count.
    private static int Utf8(string value, ref byte[] buffer, int offset)
    {
        try
        {
            if (Ascii.IsValid(value))
            {
                Grow(ref buffer, offset + value.Length);
                Ascii.FromUtf16(value, buffer.AsSpan(offset), out var written);
                return written;
            }
            Grow(ref buffer, offset + StrictUtf8.GetMaxByteCount(value.Length));
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
        Grow(ref record, recordLength + room);
        var length = Utf8(value, ref record, recordLength + room);
        Span<byte> prefix = stackalloc byte[room];
        length.TryFormat(prefix, out var written, default, CultureInfo.InvariantCulture);
        prefix[written++] = (byte)':';
        record.AsSpan(recordLength + room, length).CopyTo(record.AsSpan(recordLength + written));
        prefix[..written].CopyTo(record.AsSpan(recordLength));
        recordLength += written + length;
        Put(ref record, ref recordLength, (byte)'\n');
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Field(ReadOnlySpan<byte> value)
    {
        Span<byte> prefix = stackalloc byte[12];
        value.Length.TryFormat(prefix, out var written, default, CultureInfo.InvariantCulture);
        prefix[written++] = (byte)':';
        Put(ref record, ref recordLength, prefix[..written]);
        Put(ref record, ref recordLength, value);
        Put(ref record, ref recordLength, (byte)'\n');
    }

    // Appends the canonical form of the value at the reader's current token to `details`.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void WriteValue(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                WriteObject(ref reader);
                break;
            case JsonTokenType.StartArray:
                Put(ref details, ref detailsLength, (byte)'[');
                var first = true;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (!first) Put(ref details, ref detailsLength, (byte)',');
                    first = false;
                    WriteValue(ref reader);
                }
                Put(ref details, ref detailsLength, (byte)']');
                break;
            case JsonTokenType.String:
                WriteString(ref reader);
                break;
            case JsonTokenType.Number:
                WriteNumber(reader.ValueSpan);
                break;
            case JsonTokenType.True:
                Put(ref details, ref detailsLength, "true"u8);
                break;
            case JsonTokenType.False:
                Put(ref details, ref detailsLength, "false"u8);
                break;
            case JsonTokenType.Null:
                Put(ref details, ref detailsLength, "null"u8);
                break;
            default:
                throw new FormatException($"unexpected JSON token {reader.TokenType}");
        }
    }

    // Writes each member's value where it lands, then sorts the members and rewrites the object in order in place.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void WriteObject(ref Utf8JsonReader reader)
    {
        var objectStart = detailsLength;
        var membersMark = memberCount;
        var keysMark = keysLength;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var keyStart = keysLength;
            var raw = reader.ValueSpan;
            var keyEscaped = reader.ValueIsEscaped;
            Grow(ref keys, keysLength + raw.Length);
            if (keyEscaped)
            {
                var unescaped = keys.AsSpan(keysLength, reader.CopyString(keys.AsSpan(keysLength)));
                if (unescaped.Contains((byte)0)) throw new FormatException("a member name holds U+0000, which jsonb cannot store");
                keysLength += unescaped.Length;
            }
            else
            {
                raw.CopyTo(keys.AsSpan(keysLength));
                keysLength += raw.Length;
            }
            reader.Read();
            var valueStart = detailsLength;
            WriteValue(ref reader);
            if (memberCount == members.Length) Array.Resize(ref members, members.Length * 2);
            members[memberCount] = new Member(keyStart, keysLength - keyStart, keyEscaped, valueStart, detailsLength - valueStart, memberCount - membersMark);
            memberCount++;
        }

        var sorted = members.AsSpan(membersMark, memberCount - membersMark);
        var order = new MemberOrder(keys);
        if (sorted.Length <= 16)
        {
            for (var i = 1; i < sorted.Length; i++)
            {
                var m = sorted[i];
                var j = i - 1;
                for (; j >= 0 && order.Compare(sorted[j], m) > 0; j--) sorted[j + 1] = sorted[j];
                sorted[j + 1] = m;
            }
        }
        else
        {
            sorted.Sort(order);
        }

        assemblyLength = 0;
        Put(ref assembly, ref assemblyLength, (byte)'{');
        var first = true;
        for (var i = 0; i < sorted.Length; i++)
        {
            var m = sorted[i];
            // Duplicate names: keep the last occurrence, which sorts last among equals.
            if (i + 1 < sorted.Length && KeyOf(m).SequenceEqual(KeyOf(sorted[i + 1]))) continue;
            if (!first) Put(ref assembly, ref assemblyLength, (byte)',');
            first = false;
            if (m.KeyEscaped)
            {
                WriteEscaped(ref assembly, ref assemblyLength, KeyOf(m));
            }
            else
            {
                // As for string values: an unescaped name holds no '"', '\' or control character, so it is already canonical.
                Put(ref assembly, ref assemblyLength, (byte)'"');
                Put(ref assembly, ref assemblyLength, KeyOf(m));
                Put(ref assembly, ref assemblyLength, (byte)'"');
            }
            Put(ref assembly, ref assemblyLength, (byte)':');
            Put(ref assembly, ref assemblyLength, details.AsSpan(m.ValueStart, m.ValueLength));
        }
        Put(ref assembly, ref assemblyLength, (byte)'}');

        detailsLength = objectStart;
        Put(ref details, ref detailsLength, assembly.AsSpan(0, assemblyLength));
        memberCount = membersMark;
        keysLength = keysMark;
    }

    private ReadOnlySpan<byte> KeyOf(Member m) => keys.AsSpan(m.KeyStart, m.KeyLength);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void WriteString(ref Utf8JsonReader reader)
    {
        var raw = reader.ValueSpan;
        if (!reader.ValueIsEscaped)
        {
            // Unescaped JSON string content holds no '"', '\' or control character: it is already canonical.
            Grow(ref details, detailsLength + raw.Length + 2);
            details[detailsLength++] = (byte)'"';
            raw.CopyTo(details.AsSpan(detailsLength));
            detailsLength += raw.Length;
            details[detailsLength++] = (byte)'"';
            return;
        }
        Grow(ref text, raw.Length);
        WriteEscaped(ref details, ref detailsLength, text.AsSpan(0, reader.CopyString(text)));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WriteEscaped(ref byte[] buffer, ref int length, ReadOnlySpan<byte> value)
    {
        Grow(ref buffer, length + value.Length * 6 + 2);
        var output = buffer.AsSpan();
        output[length++] = (byte)'"';
        while (true)
        {
            var next = value.IndexOfAny(NeedsEscape);
            if (next < 0)
            {
                value.CopyTo(output[length..]);
                length += value.Length;
                break;
            }
            value[..next].CopyTo(output[length..]);
            length += next;
            var b = value[next];
            output[length++] = (byte)'\\';
            switch (b)
            {
                case (byte)'"': output[length++] = (byte)'"'; break;
                case (byte)'\\': output[length++] = (byte)'\\'; break;
                case (byte)'\b': output[length++] = (byte)'b'; break;
                case (byte)'\t': output[length++] = (byte)'t'; break;
                case (byte)'\n': output[length++] = (byte)'n'; break;
                case (byte)'\f': output[length++] = (byte)'f'; break;
                case (byte)'\r': output[length++] = (byte)'r'; break;
                case 0: throw new FormatException("a string holds U+0000, which jsonb cannot store");
                default:
                    output[length++] = (byte)'u';
                    output[length++] = (byte)'0';
                    output[length++] = (byte)'0';
                    output[length++] = (byte)"0123456789abcdef"[b >> 4];
                    output[length++] = (byte)"0123456789abcdef"[b & 0xF];
                    break;
            }
            value = value[(next + 1)..];
        }
        output[length++] = (byte)'"';
    }

    // The JSON grammar was checked by the reader: -?int(.frac)?([eE][+-]?exp)?
    private void WriteNumber(ReadOnlySpan<byte> number)
    {
        var i = 0;
        var negative = number[0] == '-';
        if (negative) i++;
        var intStart = i;
        while (i < number.Length && char.IsAsciiDigit((char)number[i])) i++;
        var intDigits = number[intStart..i];
        var fracDigits = ReadOnlySpan<byte>.Empty;
        if (i < number.Length && number[i] == '.')
        {
            var fracStart = ++i;
            while (i < number.Length && char.IsAsciiDigit((char)number[i])) i++;
            fracDigits = number[fracStart..i];
        }
        if (i == number.Length && !(negative && IsZero(intDigits, fracDigits)))
        {
            // No exponent and not a negative zero: already as numeric prints it (JSON allows no leading zeros). The common case.
            Put(ref details, ref detailsLength, number);
            return;
        }
        var exponent = 0;
        if (i < number.Length)
        {
            i++; // e or E
            var expNegative = false;
            if (number[i] is (byte)'+' or (byte)'-') expNegative = number[i++] == '-';
            for (; i < number.Length; i++)
            {
                exponent = exponent * 10 + (number[i] - '0');
                if (exponent > MaxExponent) throw new FormatException($"number {Encoding.UTF8.GetString(number)} has an exponent beyond ±{MaxExponent}");
            }
            if (expNegative) exponent = -exponent;
        }

        // The digits d1..dn = int ++ frac, with the decimal point after position `point` (may be <= 0 or > n).
        var n = intDigits.Length + fracDigits.Length;
        var point = intDigits.Length + exponent;
        var scale = Math.Max(0, fracDigits.Length - exponent);
        Grow(ref details, detailsLength + 4 + Math.Max(n, point) + scale);
        var output = details.AsSpan();
        // numeric has no negative zero.
        if (negative && !IsZero(intDigits, fracDigits)) output[detailsLength++] = (byte)'-';
        var wroteInteger = false;
        for (var k = 0; k < point; k++)
        {
            var d = Digit(intDigits, fracDigits, k);
            if (d == '0' && !wroteInteger) continue;
            output[detailsLength++] = d;
            wroteInteger = true;
        }
        if (!wroteInteger) output[detailsLength++] = (byte)'0';
        if (scale > 0)
        {
            output[detailsLength++] = (byte)'.';
            for (var k = point; k < point + scale; k++) output[detailsLength++] = Digit(intDigits, fracDigits, k);
        }
    }

    private static bool IsZero(ReadOnlySpan<byte> intDigits, ReadOnlySpan<byte> fracDigits) =>
        !intDigits.ContainsAnyExcept((byte)'0') && !fracDigits.ContainsAnyExcept((byte)'0');

    private static byte Digit(ReadOnlySpan<byte> intDigits, ReadOnlySpan<byte> fracDigits, int k) =>
        k < 0 || k >= intDigits.Length + fracDigits.Length ? (byte)'0'
        : k < intDigits.Length ? intDigits[k] : fracDigits[k - intDigits.Length];

    private static void Put(ref byte[] buffer, ref int length, ReadOnlySpan<byte> value)
    {
        Grow(ref buffer, length + value.Length);
        value.CopyTo(buffer.AsSpan(length));
        length += value.Length;
    }

    private static void Put(ref byte[] buffer, ref int length, byte value)
    {
        Grow(ref buffer, length + 1);
        buffer[length++] = value;
    }

    private static void Grow(ref byte[] buffer, int needed)
    {
        if (needed <= buffer.Length) return;
        Array.Resize(ref buffer, Math.Max(needed, buffer.Length * 2));
    }

    private readonly record struct Member(int KeyStart, int KeyLength, bool KeyEscaped, int ValueStart, int ValueLength, int Order);

    // By name (UTF-8 bytes, i.e. code point order), then by position, so duplicates keep their written order.
    private readonly struct MemberOrder(byte[] keys) : IComparer<Member>
    {
        public int Compare(Member x, Member y)
        {
            var byName = keys.AsSpan(x.KeyStart, x.KeyLength).SequenceCompareTo(keys.AsSpan(y.KeyStart, y.KeyLength));
            return byName != 0 ? byName : x.Order.CompareTo(y.Order);
        }
    }
}
