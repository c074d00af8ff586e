namespace ModelRegistry.Retention.Rules;

/// <summary>
/// Why a version is kept, in the order they are checked (docs/retention.md, "What is never deleted"). The first five
/// are keep rules proper; the rest say why the policy does not select the version (yet). A kept version keeps its base
/// chain and every version it shares an object with.
/// </summary>
public static class KeepReasons
{
    /// <summary>The version reached production at some time (stage history).</summary>
    public const string Production = "production";

    /// <summary>It is deployed or observed serving now (deployment history, by version or by manifest digest).</summary>
    public const string Serving = "serving";

    /// <summary>A promotion of it is open.</summary>
    public const string OpenPromotion = "open_promotion";

    /// <summary>It or its model is on legal hold.</summary>
    public const string LegalHold = "legal_hold";

    /// <summary>It is the base model (directly or through other versions) of a kept version.</summary>
    public const string BaseOfKept = "base_of_kept";

    /// <summary>It shares an artifact object (same SHA-256) with a kept version.</summary>
    public const string SharesBytes = "shares_bytes";

    /// <summary>No rule of the policy matches its model.</summary>
    public const string NoRule = "no_rule";

    /// <summary>It went beyond staging (shadow, canary): the policy archives only versions that never did.</summary>
    public const string BeyondStaging = "beyond_staging";

    /// <summary>It is younger than its rule's archiveAfterDays.</summary>
    public const string TooRecent = "too_recent";

    /// <summary>It is among the newest keepNewest versions of its model.</summary>
    public const string Newest = "newest";

    /// <summary>Archived, and its rule deletes nothing (no deleteAfterDays) or its delay has not passed.</summary>
    public const string DeleteNotDue = "delete_not_due";

    /// <summary>Archived, and it shares an object with an archived version whose bytes are not due for deletion.</summary>
    public const string SharesBytesNotDue = "shares_bytes_not_due";

    /// <summary>The keep rules proper: these keep even an archived version's bytes from deletion.</summary>
    public static IReadOnlyList<string> Rules { get; } = [Production, Serving, OpenPromotion, LegalHold, BaseOfKept, SharesBytes];
}
