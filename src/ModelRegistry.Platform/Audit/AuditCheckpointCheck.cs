using System.Security.Cryptography;
using ModelRegistry.Contracts;

namespace ModelRegistry.Platform.Audit;

/// <summary>A checkpoint as read from a sink: where it came from, and the checkpoint or why it could not be read.</summary>
/// <param name="Origin">For people: <c>FILE line N</c> or <c>mreg.audit-checkpoints offset N</c>.</param>
/// <param name="Checkpoint">The checkpoint; null when it could not be read.</param>
/// <param name="Problem">Why it could not be read.</param>
public sealed record AuditCheckpointRead(string Origin, AuditCheckpoint? Checkpoint, string? Problem);

/// <summary>What one checkpoint says about the log: nothing wrong (<see cref="Fault"/> null), or the fault.</summary>
public sealed record AuditCheckpointFinding(string Origin, long? Sequence, string? HeadHash, AuditCheckpointFault? Fault, string? Reason)
{
    public bool Ok => Fault is null;
}

/// <summary>Checks checkpoints against the log: each one's signature, then that its record is there with its hash.</summary>
public static class AuditCheckpointCheck
{
    /// <summary>
    /// One finding per checkpoint, in the order given. A checkpoint whose signature does not verify with <paramref name="publicKeys"/>
    /// says nothing about the log and is reported as such; a good one must find record <c>Sequence</c> in the log
    /// (<paramref name="storedHashes"/>: the stored hash of each checkpointed sequence that exists; <paramref name="lastSequence"/>:
    /// the log's last record) with the checkpointed hash.
    /// </summary>
    public static IReadOnlyList<AuditCheckpointFinding> Check(IEnumerable<AuditCheckpointRead> checkpoints,
        IReadOnlyDictionary<string, ECDsa> publicKeys, IReadOnlyDictionary<long, string> storedHashes, long lastSequence)
    {
        ArgumentNullException.ThrowIfNull(checkpoints);
        ArgumentNullException.ThrowIfNull(storedHashes);
        var findings = new List<AuditCheckpointFinding>();
        foreach (var read in checkpoints)
        {
            if (read.Checkpoint is not { } c)
            {
                findings.Add(new(read.Origin, null, null, AuditCheckpointFault.Malformed, $"{read.Origin}: not a checkpoint: {read.Problem}"));
                continue;
            }
            findings.Add(AuditCheckpoints.CheckSignature(c, publicKeys) is { } bad
                ? new(read.Origin, c.Sequence, c.HeadHash, bad.Fault, $"{read.Origin}: checkpoint of record {c.Sequence}: {bad.Reason}")
                : Against(read.Origin, c, storedHashes, lastSequence));
        }
        return findings;
    }

    private static AuditCheckpointFinding Against(string origin, AuditCheckpoint c, IReadOnlyDictionary<long, string> storedHashes, long lastSequence)
    {
        var about = $"{origin}: checkpoint of record {c.Sequence} at {AuditChain.FormatTimestamp(c.CheckpointedAt)}";
        if (c.Sequence == 0)
            return c.HeadHash == AuditChain.Genesis ? new(origin, 0, c.HeadHash, null, null)
                : new(origin, 0, c.HeadHash, AuditCheckpointFault.HeadMismatch, $"{about}: an empty log's head is 64 zeros, not {c.HeadHash}");
        if (!storedHashes.TryGetValue(c.Sequence, out var stored))
            return lastSequence < c.Sequence
                ? new(origin, c.Sequence, c.HeadHash, AuditCheckpointFault.Truncated,
                    $"{about}: the log ends at record {lastSequence}, before it: records were cut off the end")
                : new(origin, c.Sequence, c.HeadHash, AuditCheckpointFault.Missing, $"{about}: record {c.Sequence} is not in the log: it was deleted");
        return stored == c.HeadHash ? new(origin, c.Sequence, c.HeadHash, null, null)
            : new(origin, c.Sequence, c.HeadHash, AuditCheckpointFault.HeadMismatch,
                $"{about}: record {c.Sequence}'s hash is {stored}, the checkpoint says {c.HeadHash}: the log was rewritten up to there (re-chained)");
    }
}
