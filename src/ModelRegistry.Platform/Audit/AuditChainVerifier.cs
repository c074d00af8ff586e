using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;

namespace ModelRegistry.Platform.Audit;

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
