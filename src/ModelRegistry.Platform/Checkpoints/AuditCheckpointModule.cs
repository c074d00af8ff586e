using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace ModelRegistry.Platform.Checkpoints;

/// <summary>
/// The audit worker: signs checkpoints of the audit log's head on a schedule and writes them outside PostgreSQL
/// (docs/audit.md, "Checkpoints"). Part of the platform, like the probe: the audit log is the platform's, and the worker
/// holds no business rule. Its own worker (not the scheduler's side job on every host) so that only the hosts started with
/// <c>--workers audit</c> (or all) need the signing key: the Quartz job fires on any scheduler host and only queues the work.
/// </summary>
public sealed class AuditCheckpointModule : IRegistryModule
{
    public string Name => "audit";
    public string Description => "signs checkpoints of the audit log's head on a schedule, to the broker's stream (and a file)";
    public IReadOnlyList<string> Queues { get; } = [AuditCheckpointDueConsumerDefinition.Queue];
    public IReadOnlyList<string> Settings { get; } = ["Audit__CheckpointKeyFile", "Audit__CheckpointSchedule", "Audit__CheckpointFile"];
    public bool HasJobs => true;

    public void AddServices(IServiceCollection services, SettingsBinder settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        services.AddSingleton(settings.Bind<AuditCheckpointOptions>(AuditCheckpointOptions.Section));
        services.AddSingleton<AuditCheckpointer>();
        services.AddHostedService<AuditCheckpointSchedule>();
    }

    public void AddConsumers(IBusRegistrationConfigurator bus) =>
        bus.AddConsumer<AuditCheckpointDueConsumer, AuditCheckpointDueConsumerDefinition>();
}
