using ModelRegistry.Contracts.Retention;
using ModelRegistry.Platform.Artifacts;

namespace ModelRegistry.Retention.Rules;

/// <summary>
/// One artifact object (one SHA-256) with the version its bytes are attributed to: the earliest-registered version that
/// references it (its model, the model's owner team, the version's current stage); all null when no version references it.
/// <see cref="ArchivedAt"/> and <see cref="DeletedAt"/> come from retention's records, <see cref="Tier"/> from the disk.
/// </summary>
public sealed record StoredObject(string Sha256, long Size, DateTimeOffset FirstStoredAt, string? Model, string? Team, string? Stage,
    DateTimeOffset? ArchivedAt, DateTimeOffset? DeletedAt, ArtifactTier Tier);

/// <summary>The configured prices per GB-month (GB = 10^9 bytes) and their currency.</summary>
public sealed record StoragePrices(decimal StoredPerGbMonth, decimal ArchivedPerGbMonth, string Currency);

/// <summary>
/// The storage and cost report, a pure function of the objects (docs/retention.md, "Storage report"). Each object is
/// counted once, in each tier its bytes are in now (an object in both tiers, re-registered after it was archived,
/// occupies both and is counted in both: the totals are what the disks hold); deleted bytes are the objects with a
/// tombstone whose bytes are in neither tier. An object shared by several versions counts only for the
/// earliest-registered of them (its team, model and stage). Growth is from the records: an object counts from
/// first_stored_at, as archived from its archiving, and no more from its deletion.
/// </summary>
public static class StorageReportRules
{
    public const int TopModels = 100;
    public const int GrowthMonths = 12;

    /// <summary>The key of objects no version references (left by a registration that failed after storing them).</summary>
    public const string Unreferenced = "(unreferenced)";

    private const decimal BytesPerGb = 1_000_000_000m;

    public static StorageReportGenerated Build(Guid reportId, IReadOnlyList<StoredObject> objects, StoragePrices prices, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(objects);
        ArgumentNullException.ThrowIfNull(prices);
        var total = Line("total", objects, prices);
        return new StorageReportGenerated
        {
            ReportId = reportId,
            GeneratedAt = now,
            StoredBytes = total.StoredBytes,
            ArchivedBytes = total.ArchivedBytes,
            DeletedBytes = total.DeletedBytes,
            MonthlyCost = total.MonthlyCost,
            Currency = prices.Currency,
            ByTeam = Lines(objects, o => o.Team, prices).OrderBy(l => l.Key, StringComparer.Ordinal).ToList(),
            ByStage = Lines(objects, o => o.Stage, prices).OrderBy(l => StageOrder(l.Key)).ThenBy(l => l.Key, StringComparer.Ordinal).ToList(),
            TopModels = Lines(objects, o => o.Model, prices)
                .Where(l => l.StoredBytes + l.ArchivedBytes > 0)
                .OrderByDescending(l => l.StoredBytes + l.ArchivedBytes).ThenBy(l => l.Key, StringComparer.Ordinal)
                .Take(TopModels).ToList(),
            Growth = Growth(objects, now),
        };
    }

    /// <summary>The projected monthly cost of <paramref name="stored"/> and <paramref name="archived"/> bytes, to 1/10,000 of the currency.</summary>
    public static decimal MonthlyCost(long stored, long archived, StoragePrices prices)
    {
        ArgumentNullException.ThrowIfNull(prices);
        return Math.Round(stored / BytesPerGb * prices.StoredPerGbMonth + archived / BytesPerGb * prices.ArchivedPerGbMonth, 4, MidpointRounding.AwayFromZero);
    }

    /// <summary>The ends of the last 12 months, oldest first; the current month ends now.</summary>
    public static IReadOnlyList<(string Month, DateTimeOffset End)> MonthEnds(DateTimeOffset now)
    {
        var utc = now.ToUniversalTime();
        var first = new DateTimeOffset(utc.Year, utc.Month, 1, 0, 0, 0, TimeSpan.Zero);
        return Enumerable.Range(0, GrowthMonths).Reverse()
            .Select(back => first.AddMonths(-back))
            .Select(start => (start.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture), start.AddMonths(1) > utc ? utc : start.AddMonths(1)))
            .ToList();
    }

    private static List<StorageMonth> Growth(IReadOnlyList<StoredObject> objects, DateTimeOffset now) =>
        MonthEnds(now).Select(m =>
        {
            long stored = 0, archived = 0, deleted = 0;
            foreach (var o in objects)
            {
                if (o.FirstStoredAt > m.End) continue;
                if (o.DeletedAt <= m.End) deleted += o.Size;
                else if (o.ArchivedAt <= m.End) archived += o.Size;
                else stored += o.Size;
            }
            return new StorageMonth { Month = m.Month, StoredBytes = stored, ArchivedBytes = archived, DeletedBytes = deleted };
        }).ToList();

    private static IEnumerable<StorageLine> Lines(IReadOnlyList<StoredObject> objects, Func<StoredObject, string?> key, StoragePrices prices) =>
        objects.GroupBy(o => key(o) ?? Unreferenced, StringComparer.Ordinal).Select(g => Line(g.Key, g.ToList(), prices));

    private static StorageLine Line(string key, IReadOnlyList<StoredObject> objects, StoragePrices prices)
    {
        long stored = 0, archived = 0, deleted = 0;
        foreach (var o in objects)
        {
            if (o.Tier.HasFlag(ArtifactTier.Primary)) stored += o.Size;
            if (o.Tier.HasFlag(ArtifactTier.Archive)) archived += o.Size;
            if (o.Tier == ArtifactTier.None && o.DeletedAt is not null) deleted += o.Size;
        }
        return new StorageLine { Key = key, StoredBytes = stored, ArchivedBytes = archived, DeletedBytes = deleted, MonthlyCost = MonthlyCost(stored, archived, prices) };
    }

    private static readonly string[] Stages = ["registered", "staging", "shadow", "canary", "production", "retired"];

    private static int StageOrder(string stage) => Array.IndexOf(Stages, stage) is var i and >= 0 ? i : int.MaxValue;
}
