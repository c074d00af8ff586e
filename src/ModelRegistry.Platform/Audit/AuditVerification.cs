namespace ModelRegistry.Platform.Audit;

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
