using ModelRegistry.Platform;

namespace ModelRegistry.Retention;

/// <summary>The <c>Retention</c> configuration section (docs/retention.md, "Settings").</summary>
public sealed class RetentionOptions : ISettings
{
    public const string Section = "Retention";

    /// <summary>The retention policy (JSON); empty: the built-in policy (config/retention-policy.json).</summary>
    public string? PolicyFile { get; set; }

    /// <summary>The retention sweep's Quartz cron expression (seconds first, UTC).</summary>
    public string SweepSchedule { get; set; } = "0 0 3 * * ?";

    /// <summary>The storage report's Quartz cron expression (seconds first, UTC).</summary>
    public string ReportSchedule { get; set; } = "0 30 3 * * ?";

    /// <summary>Inbox rows (message ids already handled) older than this are pruned by each sweep.</summary>
    public TimeSpan InboxRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Refused bodies in registry.rejections older than this are cut to their SHA-256, size and reason by each sweep.</summary>
    public TimeSpan RejectionBodyRetention { get; set; } = TimeSpan.FromDays(90);

    /// <summary>Outbox dead letters older than this are pruned by each sweep.</summary>
    public TimeSpan OutboxDeadRetention { get; set; } = TimeSpan.FromDays(90);

    /// <summary>Price of a GB-month in the primary store, for the storage report.</summary>
    public decimal StoredPricePerGbMonth { get; set; } = 0.023m;

    /// <summary>Price of a GB-month in the archive tier, for the storage report.</summary>
    public decimal ArchivePricePerGbMonth { get; set; } = 0.004m;

    /// <summary>The currency (or unit) of the prices.</summary>
    public string Currency { get; set; } = "USD";

    public IEnumerable<string> Validate()
    {
        if (!Quartz.CronExpression.TryParse(SweepSchedule ?? "", out _))
            yield return $"{Section}:SweepSchedule '{SweepSchedule}' is not a Quartz cron expression (seconds minutes hours day-of-month month day-of-week)";
        if (!Quartz.CronExpression.TryParse(ReportSchedule ?? "", out _))
            yield return $"{Section}:ReportSchedule '{ReportSchedule}' is not a Quartz cron expression (seconds minutes hours day-of-month month day-of-week)";
        // The inbox guards against redelivery: a window shorter than a day would forget messages a broker may still redeliver.
        if (InboxRetention < TimeSpan.FromDays(1)) yield return $"{Section}:InboxRetention {InboxRetention} must be at least 1 day";
        if (RejectionBodyRetention < TimeSpan.Zero) yield return $"{Section}:RejectionBodyRetention {RejectionBodyRetention} must not be negative";
        if (OutboxDeadRetention < TimeSpan.Zero) yield return $"{Section}:OutboxDeadRetention {OutboxDeadRetention} must not be negative";
        if (StoredPricePerGbMonth < 0) yield return $"{Section}:StoredPricePerGbMonth {StoredPricePerGbMonth} must not be negative";
        if (ArchivePricePerGbMonth < 0) yield return $"{Section}:ArchivePricePerGbMonth {ArchivePricePerGbMonth} must not be negative";
        if (string.IsNullOrWhiteSpace(Currency) || Currency.Length > 20) yield return $"{Section}:Currency must be 1-20 characters";
    }
}
