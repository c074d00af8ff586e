namespace ModelRegistry.Platform.Audit;

/// <summary>
/// One record of the audit log as UTF-8 bytes, the way the database sends it (binary COPY): what
/// <see cref="AuditChainVerifier.Add(in AuditRecordUtf8)"/> checks without making a string per field. The texts are the
/// stored texts' UTF-8 bytes; <see cref="DetailsJson"/> is the details as JSON in any formatting.
/// </summary>
public readonly ref struct AuditRecordUtf8
{
    public long Sequence { get; init; }

    /// <summary>When it was recorded, as UTC ticks (<see cref="DateTime.Ticks"/>); outside DateTime's range the record is malformed.</summary>
    public long RecordedAtUtcTicks { get; init; }

    public ReadOnlySpan<byte> Actor { get; init; }
    public ReadOnlySpan<byte> Action { get; init; }
    public ReadOnlySpan<byte> SubjectType { get; init; }
    public ReadOnlySpan<byte> Subject { get; init; }

    /// <summary>False when the record concerns no model (<see cref="ModelName"/> is then ignored).</summary>
    public bool HasModelName { get; init; }

    public ReadOnlySpan<byte> ModelName { get; init; }
    public ReadOnlySpan<byte> DetailsJson { get; init; }
    public ReadOnlySpan<byte> PreviousHash { get; init; }
    public ReadOnlySpan<byte> Hash { get; init; }
}
