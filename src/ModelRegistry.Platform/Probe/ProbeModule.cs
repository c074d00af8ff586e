using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace ModelRegistry.Platform;

/// <summary>
/// The probe worker: records each RunProbe, an end-to-end check of broker, worker process and database. Part of the
/// platform, not a project of its own: it checks the platform itself, holds no business rule, and every deployment
/// wants it (about 80 lines with its store).
/// </summary>
public sealed class ProbeModule : IRegistryModule
{
    public string Name => "probe";
    public string Description => "records RunProbe messages: an end-to-end check of broker, worker and database";
    public IReadOnlyList<string> Queues { get; } = [ProbeConsumerDefinition.Queue];
    public IReadOnlyList<string> Settings { get; } = [];
    public bool HasJobs => false;

    public void AddServices(IServiceCollection services, SettingsBinder settings) => services.AddSingleton<IProbeStore, ProbeStore>();

    public void AddConsumers(IBusRegistrationConfigurator bus) => bus.AddConsumer<ProbeConsumer, ProbeConsumerDefinition>();
}
