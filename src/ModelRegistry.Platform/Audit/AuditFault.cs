namespace ModelRegistry.Platform.Audit;

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
