using MassTransit;

namespace ModelRegistry.Contracts;

/// <summary>
/// Event: a record was appended to the registry's audit log (for SIEM). Published once the transaction that wrote it
/// committed, at least once: deduplicate by <see cref="Sequence"/> (or <see cref="Hash"/>). The fields are the record
/// exactly as stored, so a consumer can re-compute <see cref="Hash"/> and keep its own copy of the chain (docs/audit.md).
/// </summary>
[EntityName("mreg.audit-recorded")]
public record AuditRecorded
{
    /// <summary>The record's position in the chain: 1, 2, 3... without gaps, in commit order.</summary>
    public long Sequence { get; init; }

    /// <summary>When it was recorded, UTC, at microsecond precision (the precision that is hashed).</summary>
    public DateTimeOffset RecordedAt { get; init; }

    /// <summary>Who did it: a person, a service account, or a worker (e.g. <c>svc:registration</c>).</summary>
    public string Actor { get; init; } = "";

    /// <summary>What was done, e.g. <c>version.registered</c>, <c>approval.refused</c>, <c>stage.changed</c>.</summary>
    public string Action { get; init; } = "";

    /// <summary>The kind of thing it was done to, e.g. <c>model_version</c>, <c>promotion</c>, <c>deployment</c>.</summary>
    public string SubjectType { get; init; } = "";

    /// <summary>Which one, e.g. <c>sentiment/3</c>.</summary>
    public string Subject { get; init; } = "";

    /// <summary>The model the record concerns; null when it concerns none.</summary>
    public string? ModelName { get; init; }

    /// <summary>
    /// The details: a JSON object, as a string in its canonical form (members sorted, no whitespace), byte for byte what
    /// was hashed.
    /// </summary>
    public string DetailsJson { get; init; } = "{}";

    /// <summary>The hash of the record before this one (64 lowercase hex digits; 64 zeros for record 1).</summary>
    public string PreviousHash { get; init; } = "";

    /// <summary>This record's hash: lowercase hex SHA-256 of its canonical serialization (docs/audit.md).</summary>
    public string Hash { get; init; } = "";
}
