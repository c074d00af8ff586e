using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Registration;

/// <summary>The registration worker: ModelTrained in, a verified, numbered model version out; ChangeModelGovernance changes a model's owner team or risk tier.</summary>
public sealed class RegistrationModule : IRegistryModule
{
    public string Name => "registration";
    public string Description => "turns ModelTrained into verified, numbered model versions";
    public IReadOnlyList<string> Queues { get; } = [ModelTrainedConsumerDefinition.Queue, ChangeModelGovernanceConsumerDefinition.Queue];
    public IReadOnlyList<string> Settings { get; } = ["Registration__ConcurrentMessageLimit", "Registration__PrefetchCount"];
    public bool HasJobs => false;

    public void AddServices(IServiceCollection services, SettingsBinder settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        services.AddSingleton(settings.Bind<RegistrationOptions>(RegistrationOptions.Section));
        services.AddSingleton<RegistrationStore>();
    }

    public void AddConsumers(IBusRegistrationConfigurator bus)
    {
        ArgumentNullException.ThrowIfNull(bus);
        bus.AddConsumer<ModelTrainedConsumer, ModelTrainedConsumerDefinition>();
        bus.AddConsumer<ChangeModelGovernanceConsumer, ChangeModelGovernanceConsumerDefinition>();
    }
}
