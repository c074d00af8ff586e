using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Promotion;

/// <summary>The approval and promotion worker: promotion sagas with gates, signed approvals and durable deadlines, and rollbacks.</summary>
public sealed class PromotionModule : IRegistryModule
{
    public string Name => "promotion";
    public string Description => "runs promotion sagas (gates, signed approvals, durable deadlines) and break-glass rollbacks";
    public IReadOnlyList<string> Queues { get; } =
        [PromotionStateMachineDefinition.Queue, EvaluationForwarderDefinition.Queue, RollbackConsumerDefinition.Queue];
    public IReadOnlyList<string> Settings { get; } =
        ["Promotion__PolicyFile (required)", "Promotion__DefaultEvaluationTimeout", "Ticketing__Integrations__<name>__Secret", "Ticketing__Integrations__<name>__Approvers__0", "Ticketing__Integrations__<name>__Roles__0",
            "Ticketing__Integrations__<name>__AcceptV1Decisions", "Ticketing__ClockSkew",
            "Approvers__<person>__Roles__0 (__1, ...) (docs/promotion.md, docs/ticketing.md)"];

    /// <summary>The promotion deadlines are Quartz jobs.</summary>
    public bool HasJobs => true;

    public void AddServices(IServiceCollection services, SettingsBinder settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var (loaded, errors) = PromotionSettings.Load(settings.Configuration);
        settings.Add(errors);
        if (loaded is null) return;
        services.AddSingleton(loaded.Options);
        services.AddSingleton(loaded.Policy);
        services.AddSingleton<IApprovalAuthenticator>(new ConfiguredApprovalAuthenticator(loaded.Ticketing, loaded.Approvers));
        services.AddSingleton<IPromotionDeadlines, QuartzPromotionDeadlines>();
        services.AddSingleton<PromotionWorkflow>();
        // Registered before the bus's own hosted service, so it runs first: queues exist before anything is published.
        services.AddSingleton(loaded);
        services.AddHostedService<ApprovalSetup>();
    }

    public void AddConsumers(IBusRegistrationConfigurator bus)
    {
        bus.AddSagaStateMachine<PromotionStateMachine, PromotionState, PromotionStateMachineDefinition>()
            .Repository(PromotionSagaRepositoryContextFactory.Register);
        bus.AddConsumer<EvaluationForwarder, EvaluationForwarderDefinition>();
        bus.AddConsumer<RollbackConsumer, RollbackConsumerDefinition>();
    }
}
