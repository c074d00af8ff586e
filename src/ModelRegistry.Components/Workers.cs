using MassTransit;
using ModelRegistry.Components.Evaluation;
using ModelRegistry.Components.Promotion;
using ModelRegistry.Persistence.Promotion;
using ModelRegistry.Components.Registration;

namespace ModelRegistry.Components;

/// <summary>Every worker a host can run, and the parsing of <c>--workers</c>.</summary>
public static class Workers
{
    public static IReadOnlyList<Worker> All { get; } =
    [
        new("registration", "turns ModelTrained into verified, numbered model versions",
            [ModelTrainedConsumerDefinition.Queue], x => x.AddConsumer<ModelTrainedConsumer, ModelTrainedConsumerDefinition>()),
        new("evaluation", "attaches EvaluationCompleted to model versions",
            [EvaluationCompletedConsumerDefinition.Queue], x => x.AddConsumer<EvaluationCompletedConsumer, EvaluationCompletedConsumerDefinition>()),
        new("promotion", "runs promotion sagas (gates, signed approvals, durable deadlines) and break-glass rollbacks",
            [PromotionStateMachineDefinition.Queue, EvaluationForwarderDefinition.Queue, RollbackConsumerDefinition.Queue], x =>
            {
                x.AddSagaStateMachine<PromotionStateMachine, PromotionState, PromotionStateMachineDefinition>()
                    .Repository(PromotionSagaRepositoryContextFactory.Register);
                x.AddConsumer<EvaluationForwarder, EvaluationForwarderDefinition>();
                x.AddConsumer<RollbackConsumer, RollbackConsumerDefinition>();
            }),
        new("probe", "records RunProbe messages: an end-to-end check of broker, worker and database",
            [ProbeConsumerDefinition.Queue], x => x.AddConsumer<ProbeConsumer, ProbeConsumerDefinition>()),
    ];

    /// <summary>
    /// Parses a comma-separated selection ("all", empty, or names). Unknown names are errors that
    /// list the known ones.
    /// </summary>
    public static (IReadOnlyList<Worker> Selected, string? Error) Select(string? selection)
    {
        if (string.IsNullOrWhiteSpace(selection) || selection.Trim() == "all") return (All, null);
        var names = selection.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var unknown = names.Where(n => All.All(w => w.Name != n)).ToList();
        if (unknown.Count > 0)
            return ([], $"Workers: unknown worker '{string.Join("', '", unknown)}' (known: {string.Join(", ", All.Select(w => w.Name))}, or all)");
        return (All.Where(w => names.Contains(w.Name)).ToList(), null);
    }
}
