using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;

namespace ModelRegistry.Platform.Audit;

/// <summary>
/// Verifies a chain one record at a time (for records streamed from the database) and reports every fault, not only the
/// first: after a bad record it goes on from that record's stored hash, so one forged or damaged record cannot hide later
/// edits. Reuses its buffers: after the first few records it allocates nothing for an intact record but the strings of a
/// details object's escaped values. Not thread-safe.
/// </summary>
/// <remarks>
/// <para>How it goes on: after a <see cref="AuditFault.Gap"/> the next record's link is not checked (the missing record's hash
/// is unknown), its own hash is; a record that repeats or goes back (<see cref="AuditFault.OutOfOrder"/>) is skipped; after a
/// <see cref="AuditFault.WrongPreviousHash"/>, <see cref="AuditFault.HashMismatch"/> or <see cref="AuditFault.Malformed"/> the
/// next record must name the bad record's stored hash. A record may have two faults (a wrong link and a wrong hash).</para>
/// </remarks>
public sealed class AuditChainVerifier
{
    /// <summary>At most this many faults are listed (all are counted): a log rewritten wholesale would otherwise fill memory.</summary>
    public const int MaxListedFaults = 1000;

    private readonly AuditCanonicalEncoder encoder = new();
    private readonly List<AuditFaultReport> faults = [];
    private long expected;
    // The last record's stored hash as UTF-8 (what the next record must name) and, made on demand, as text.
    private byte[] previousHash;
    private string? previousHashText;
    private long verified;
    private long read;
    private long faultCount;

    /// <summary>Starts at record 1 (the default) or after a record known to be good, e.g. the last one of an earlier export.</summary>
    public AuditChainVerifier(long afterSequence = 0, string afterHash = AuditChain.Genesis)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(afterSequence);
        ArgumentNullException.ThrowIfNull(afterHash);
        expected = afterSequence + 1;
        previousHash = Encoding.UTF8.GetBytes(afterHash);
        previousHashText = afterHash;
    }

    // Continues where `before` ended (for AuditChain.Join).
    internal AuditChainVerifier(AuditVerification before) : this(before.LastSequence, before.LastHash)
    {
        verified = before.Verified;
        read = before.Read;
        faults.AddRange(before.Faults);
        faultCount = before.FaultCount;
    }

    // Only the sequence and the link of the next record (for AuditChain.Join): the faults a single walk would find there.
    internal void Link(long sequence, string namedPreviousHash)
    {
        if (sequence != expected) FailSequence(sequence);
        else if (!string.Equals(namedPreviousHash, PreviousHashText, StringComparison.Ordinal)) FailPreviousHash(sequence, namedPreviousHash);
    }

    /// <summary>The result so far: every fault found up to here.</summary>
    public AuditVerification Result => new(verified, read, expected - 1, PreviousHashText, faults.ToArray(), faultCount);

    private string PreviousHashText => previousHashText ??= Encoding.UTF8.GetString(previousHash);

    /// <summary>Checks the next record; false when it has a fault (the walk goes on from its stored hash).</summary>
    public bool Add(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        read++;
        var intact = true;
        if (entry.Sequence != expected)
        {
            if (!FailSequence(entry.Sequence)) return false; // repeated or backwards: skipped
            intact = false;
        }
        else if (!string.Equals(entry.PreviousHash, PreviousHashText, StringComparison.Ordinal))
        {
            intact = FailPreviousHash(entry.Sequence, entry.PreviousHash);
        }
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        Span<char> hex = stackalloc char[SHA256.HashSizeInBytes * 2];
        try
        {
            encoder.Hash(entry.Sequence, entry.RecordedAt, entry.Actor, entry.Action, entry.SubjectType, entry.Subject, entry.ModelName,
                entry.DetailsJson, entry.PreviousHash, hash);
            Convert.TryToHexStringLower(hash, hex, out _);
            if (!hex.SequenceEqual(entry.Hash)) intact = FailHash(entry.Sequence, hex.ToString(), entry.Hash);
        }
        catch (FormatException e)
        {
            intact = Fail(entry.Sequence, AuditFault.Malformed, $"record {entry.Sequence} has no canonical form: {e.Message}");
        }
        expected = entry.Sequence + 1;
        previousHashText = entry.Hash;
        if (intact)
        {
            verified++;
            if (previousHash.Length != SHA256.HashSizeInBytes * 2) previousHash = new byte[SHA256.HashSizeInBytes * 2];
            Ascii.FromUtf16(entry.Hash, previousHash, out _); // 64 hex digits: it matched the computed hash
        }
        else
        {
            previousHash = Encoding.UTF8.GetBytes(entry.Hash);
        }
        return intact;
    }

    /// <summary>
    /// Checks the next record given as UTF-8 bytes: the same checks, faults and reasons as <see cref="Add(AuditEntry)"/>, but it
    /// allocates nothing for an intact record (the path <c>mreg audit verify</c> takes over a million records).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool Add(in AuditRecordUtf8 record)
    {
        read++;
        var intact = true;
        if (record.Sequence != expected)
        {
            if (!FailSequence(record.Sequence)) return false; // repeated or backwards: skipped
            intact = false;
        }
        else if (!record.PreviousHash.SequenceEqual(previousHash))
        {
            intact = FailPreviousHash(record.Sequence, Encoding.UTF8.GetString(record.PreviousHash));
        }
        Span<byte> hex = stackalloc byte[SHA256.HashSizeInBytes * 2];
        ReadOnlySpan<byte> canonical = default;
        var encoded = true;
        try
        {
            canonical = encoder.Encode(record);
        }
        catch (FormatException e)
        {
            intact = Fail(record.Sequence, AuditFault.Malformed, $"record {record.Sequence} has no canonical form: {e.Message}");
            encoded = false;
        }
        if (encoded)
        {
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(canonical, hash);
            for (var i = 0; i < hash.Length; i++)
            {
                hex[2 * i] = HexDigits[hash[i] >> 4];
                hex[2 * i + 1] = HexDigits[hash[i] & 0xF];
            }
            if (!hex.SequenceEqual(record.Hash))
                intact = FailHash(record.Sequence, Encoding.ASCII.GetString(hex), Encoding.UTF8.GetString(record.Hash));
        }
        expected = record.Sequence + 1;
        previousHashText = null;
        if (intact)
        {
            verified++;
            if (previousHash.Length != SHA256.HashSizeInBytes * 2) previousHash = new byte[SHA256.HashSizeInBytes * 2];
            hex.CopyTo(previousHash);
        }
        else
        {
            previousHash = record.Hash.ToArray();
        }
        return intact;
    }

    private static ReadOnlySpan<byte> HexDigits => "0123456789abcdef"u8;

    // A record whose sequence is not the next: a gap (true: check the record itself) or a repeat (false: skip it).
    private bool FailSequence(long found)
    {
        if (found > expected)
        {
            Fail(expected, AuditFault.Gap, expected == found - 1
                ? $"record {expected} is missing: the record after {expected - 1} is {found}"
                : $"records {expected} to {found - 1} are missing: the record after {expected - 1} is {found}");
            return true;
        }
        Fail(expected, AuditFault.OutOfOrder, $"expected record {expected}, found {found} again or out of order");
        return false;
    }

    private bool FailPreviousHash(long sequence, string named) => Fail(sequence, AuditFault.WrongPreviousHash,
        $"record {sequence} names previous hash {named}, but record {expected - 1} hashes to {PreviousHashText}");

    private bool FailHash(long sequence, string computed, string stored) => Fail(sequence, AuditFault.HashMismatch,
        $"record {sequence} hashes to {computed}, but its stored hash is {stored}: its content was changed");

    private bool Fail(long sequence, AuditFault fault, string reason)
    {
        faultCount++;
        if (faults.Count < MaxListedFaults) faults.Add(new AuditFaultReport(sequence, fault, reason));
        return false;
    }
}
