namespace ModelRegistry.Platform.Audit;

/// <summary>One record that breaks the chain, and how.</summary>
/// <param name="Sequence">The record (for a gap: the first missing one).</param>
/// <param name="Fault">How it breaks the chain.</param>
/// <param name="Reason">The same, for people.</param>
public sealed record AuditFaultReport(long Sequence, AuditFault Fault, string Reason);

/// <summary>The outcome of walking the chain: every fault found, not only the first.</summary>
/// <param name="Verified">Records checked and found intact (their link and their hash).</param>
/// <param name="Read">Records read, intact or not.</param>
/// <param name="LastSequence">The last record read (0 when none): the head of the log as stored.</param>
/// <param name="LastHash">Its stored hash (<see cref="AuditChain.Genesis"/> when none): compare it with a signed checkpoint or a
/// copy kept elsewhere to detect records cut off the end.</param>
/// <param name="Faults">The faults in sequence order, at most <see cref="AuditChainVerifier.MaxListedFaults"/>.</param>
/// <param name="FaultCount">How many faults there are, those left out of <paramref name="Faults"/> included.</param>
public sealed record AuditVerification(long Verified, long Read, long LastSequence, string LastHash, IReadOnlyList<AuditFaultReport> Faults,
    long FaultCount)
{
    public bool Ok => FaultCount == 0;

    /// <summary>The first record that breaks the chain; null when it is intact.</summary>
    public long? FirstBadSequence => Faults.Count > 0 ? Faults[0].Sequence : null;

    /// <summary>How the first bad record breaks the chain.</summary>
    public AuditFault? Fault => Faults.Count > 0 ? Faults[0].Fault : null;

    /// <summary>The first fault, for people.</summary>
    public string? Reason => Faults.Count > 0 ? Faults[0].Reason : null;

    /// <summary>Equal when every field and every fault listed is (a list compares by its items, not by reference).</summary>
    public bool Equals(AuditVerification? other) =>
        other is not null && Verified == other.Verified && Read == other.Read && LastSequence == other.LastSequence
        && LastHash == other.LastHash && FaultCount == other.FaultCount && Faults.SequenceEqual(other.Faults);

    public override int GetHashCode() => HashCode.Combine(Verified, Read, LastSequence, LastHash, FaultCount);
}
