using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using ModelRegistry.Platform;

namespace ModelRegistry.Retention;

/// <summary>
/// The retention worker: archives and deletes experimental artifact bytes on a schedule by the policy, never what a
/// keep rule holds (production, serving, open promotions, legal holds, bases and byte-sharers of kept versions); legal
/// holds; the storage and cost report; and pruning of the registry's own tables (docs/retention.md).
/// </summary>
public sealed class RetentionModule : IRegistryModule
{
    public string Name => "retention";
    public string Description => "archives and deletes experimental artifacts by policy (keep rules always win), legal holds, storage report, housekeeping";
    public IReadOnlyList<string> Queues { get; } =
    [
        RunRetentionSweepConsumerDefinition.Queue, ArchiveModelVersionConsumerDefinition.Queue, DeleteArchivedArtifactConsumerDefinition.Queue,
        HousekeepingConsumerDefinition.Queue,
        LegalHoldsConsumerDefinition.Queue, StorageReportConsumerDefinition.Queue,
    ];
    public IReadOnlyList<string> Settings { get; } =
        ["Retention__PolicyFile", "Retention__SweepSchedule", "Retention__ReportSchedule", "Retention__InboxRetention", "Retention__RejectionBodyRetention",
            "Retention__OutboxDeadRetention", "Retention__StoredPricePerGbMonth", "Retention__ArchivePricePerGbMonth", "Retention__Currency (docs/retention.md)"];
    public bool HasJobs => true;

    public void AddServices(IServiceCollection services, SettingsBinder settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var options = settings.Bind<RetentionOptions>(RetentionOptions.Section);
        services.AddSingleton(options);
        var (policy, _, policyErrors) = RetentionPolicyFile.Load(options.PolicyFile);
        settings.Add(policyErrors);
        if (policy is not null) services.AddSingleton(policy);
        services.AddSingleton<RetentionSweep>();
        services.AddSingleton<Housekeeping>();
        services.AddHostedService<RetentionSchedules>();
    }

    public void AddConsumers(IBusRegistrationConfigurator bus)
    {
        ArgumentNullException.ThrowIfNull(bus);
        bus.AddConsumer<RunRetentionSweepConsumer, RunRetentionSweepConsumerDefinition>();
        // The actions need IArtifactStore, which the platform registers for every host.
        bus.AddConsumer<ArchiveModelVersionConsumer, ArchiveModelVersionConsumerDefinition>();
        bus.AddConsumer<DeleteArchivedArtifactConsumer, DeleteArchivedArtifactConsumerDefinition>();
        bus.AddConsumer<HousekeepingConsumer, HousekeepingConsumerDefinition>();
        bus.AddConsumer<LegalHoldsConsumer, LegalHoldsConsumerDefinition>();
        bus.AddConsumer<StorageReportConsumer, StorageReportConsumerDefinition>();
    }
}
