using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ModelRegistry.Platform.Audit;

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

    /// <summary>Walks the chain from record 1 and reports every record that breaks it.</summary>
    public static AuditVerification Verify(IEnumerable<AuditEntry> entriesInSequenceOrder)
    {
        ArgumentNullException.ThrowIfNull(entriesInSequenceOrder);
        var verifier = new AuditChainVerifier();
        foreach (var entry in entriesInSequenceOrder) verifier.Add(entry);
        return verifier.Result;
    }

    /// <summary>
    /// The verdict of walking a chain in one pass, from the verdicts of its two parts walked separately (e.g. read over two
    /// connections at once): <paramref name="first"/> from record 1, <paramref name="second"/> by a verifier that started after
    /// its first record's own link (sequence <paramref name="secondFirstSequence"/> - 1, hash <paramref name="secondFirstPreviousHash"/>);
    /// null when the second part is empty. Checks that link against the first part's last record, as one pass would, and
    /// lists the faults of both parts in order. Exact for parts that do not overlap in sequence (two ranges of the table's
    /// primary key, as <see cref="AuditReader.VerifyAsync(CancellationToken)"/> reads them).
    /// </summary>
    public static AuditVerification Join(AuditVerification first, AuditVerification? second, long secondFirstSequence, string secondFirstPreviousHash)
    {
        ArgumentNullException.ThrowIfNull(first);
        if (second is null) return first;
        var link = new AuditChainVerifier(first);
        link.Link(secondFirstSequence, secondFirstPreviousHash);
        var head = link.Result;
        // The second part counted its first record as intact unless it had a fault of its own (listed first, under its
        // sequence); a broken link makes it not intact in one pass.
        var firstIntact = second.Faults.Count == 0 || second.Faults[0].Sequence != secondFirstSequence;
        var uncounted = head.FaultCount > first.FaultCount && firstIntact ? 1 : 0;
        return new AuditVerification(head.Verified + second.Verified - uncounted, head.Read + second.Read, second.LastSequence, second.LastHash,
            head.Faults.Concat(second.Faults).Take(AuditChainVerifier.MaxListedFaults).ToArray(), head.FaultCount + second.FaultCount);
    }
}
