using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Evaluation;

/// <summary>The evaluation ingestion worker: EvaluationCompleted in, an evaluation attached to its version out.</summary>
public sealed class EvaluationModule : IRegistryModule
{
    public string Name => "evaluation";
    public string Description => "attaches EvaluationCompleted to model versions";
    public IReadOnlyList<string> Queues { get; } = [EvaluationCompletedConsumerDefinition.Queue];
    public IReadOnlyList<string> Settings { get; } = ["Evaluation__MaxClockSkewSeconds"];
    public bool HasJobs => false;

    public void AddServices(IServiceCollection services, SettingsBinder settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        services.AddSingleton(settings.Bind<EvaluationOptions>(EvaluationOptions.Section));
        services.AddSingleton<EvaluationStore>();
    }

    public void AddConsumers(IBusRegistrationConfigurator bus) =>
        bus.AddConsumer<EvaluationCompletedConsumer, EvaluationCompletedConsumerDefinition>();
}
