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
