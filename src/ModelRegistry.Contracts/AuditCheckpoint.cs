using MassTransit;

namespace ModelRegistry.Contracts;

/// <summary>
/// A signed statement that the registry's audit log held record <see cref="Sequence"/> with hash <see cref="HeadHash"/> at
/// <see cref="CheckpointedAt"/>, kept outside PostgreSQL (the stream queue <c>mreg.audit-checkpoints</c> and/or an
/// append-only file) so that <c>mreg audit verify --checkpoint FILE | --from-broker</c> detects records cut off the end
/// and a chain rewritten after it. Signed with ECDSA P-256 by a key the database does not hold; verify with the public
/// key you were given, never with anything the checkpoint carries (docs/audit.md, "Checkpoints").
/// </summary>
[EntityName("mreg.audit-checkpoint")]
public record AuditCheckpoint
{
    /// <summary>The format of the signed form: <c>mreg-audit-checkpoint-v1</c>; a new one would get a new tag.</summary>
    public string Format { get; init; } = "";

    /// <summary>The last record of the log when the checkpoint was made (0: the log was empty).</summary>
    public long Sequence { get; init; }

    /// <summary>That record's stored hash, 64 lowercase hex digits (64 zeros when the log was empty).</summary>
    public string HeadHash { get; init; } = "";

    /// <summary>When it was made, UTC, at microsecond precision (the precision that is signed).</summary>
    public DateTimeOffset CheckpointedAt { get; init; }

    /// <summary>Which key signed it: lowercase hex SHA-256 of the public key's DER SubjectPublicKeyInfo. Names a key; is not one.</summary>
    public string KeyId { get; init; } = "";

    /// <summary>Base64 of the ECDSA P-256 / SHA-256 signature (DER, RFC 3279) of the canonical form of the four fields above.</summary>
    public string Signature { get; init; } = "";
}
