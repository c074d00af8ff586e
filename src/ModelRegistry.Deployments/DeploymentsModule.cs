using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using ModelRegistry.Platform;

namespace ModelRegistry.Deployments;

/// <summary>
/// The deployment tracking worker: what served where and when (interval history from serving platforms' events and
/// heartbeats), shadow-model discovery, the environment policy, deploy acknowledgement, the admission check and the
/// scheduled discovery audit (docs/deployments.md).
/// </summary>
public sealed class DeploymentsModule : IRegistryModule
{
    public string Name => "deployments";
    public string Description => "records what serves where (interval history), discovers shadow models, checks admission and the environment policy";
    public IReadOnlyList<string> Queues { get; } =
    [
        DeploymentEventsConsumerDefinition.Queue, EndpointInventoryReportedConsumerDefinition.Queue, ShadowTriageConsumerDefinition.Queue,
        DeployInstructionsConsumerDefinition.Queue, DiscoveryAuditConsumerDefinition.Queue, CheckDeploymentAdmissionConsumerDefinition.Queue,
    ];
    public IReadOnlyList<string> Settings { get; } =
        ["Deployments__PolicyFile", "Deployments__AcknowledgementTimeout", "Deployments__AuditSchedule", "Deployments__SilentEndpointAfter",
            "Deployments__HeartbeatBatchSize", "Deployments__HeartbeatBatchTimeLimit", "Deployments__LastReportedGranularity (docs/deployments.md)"];
    public bool HasJobs => true;

    public void AddServices(IServiceCollection services, SettingsBinder settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var options = settings.Bind<DeploymentsOptions>(DeploymentsOptions.Section);
        services.AddSingleton(options);
        var (policy, policyErrors) = EnvironmentPolicyFile.Load(options.PolicyFile);
        settings.Add(policyErrors);
        if (policy is not null) services.AddSingleton(policy);
        services.AddSingleton<DeploymentStore>();
        services.AddSingleton<InventoryStore>();
        services.AddSingleton<InventoryCache>();
        services.AddSingleton<DiscoveryAudit>();
        services.AddHostedService<DiscoveryAuditSchedule>();
    }

    public void AddConsumers(IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<DeploymentEventsConsumer, DeploymentEventsConsumerDefinition>();
        bus.AddConsumer<EndpointInventoryReportedConsumer, EndpointInventoryReportedConsumerDefinition>();
        bus.AddConsumer<ShadowTriageConsumer, ShadowTriageConsumerDefinition>();
        bus.AddConsumer<DeployInstructionsConsumer, DeployInstructionsConsumerDefinition>();
        bus.AddConsumer<DiscoveryAuditConsumer, DiscoveryAuditConsumerDefinition>();
        bus.AddConsumer<CheckDeploymentAdmissionConsumer, CheckDeploymentAdmissionConsumerDefinition>();
    }
}
