using ModelRegistry.Contracts;

namespace ModelRegistry.Platform.Rules;

/// <summary>The checks of a data set reference: a registration's lineage and an evaluation name data sets alike.</summary>
public static class DatasetRules
{
    public const int MaxNameLength = 200;
    public const int MaxVersionLength = 100;
    public const int MaxDigestLength = 200;

    public static Rejection? Check(DatasetRef? d, string field) =>
        d is null
            ? FieldRules.Missing(field)
            : FieldRules.RequiredText(d.Name, $"{field}.name", MaxNameLength)
                ?? FieldRules.RequiredText(d.Version, $"{field}.version", MaxVersionLength)
                ?? FieldRules.RequiredText(d.Digest, $"{field}.digest", MaxDigestLength);
}
