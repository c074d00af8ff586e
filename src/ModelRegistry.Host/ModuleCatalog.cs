using ModelRegistry.Deployments;
using ModelRegistry.Evaluation;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Checkpoints;
using ModelRegistry.Promotion;
using ModelRegistry.Registration;
using ModelRegistry.Retention;

namespace ModelRegistry.Host;

/// <summary>
/// Every worker there is, in the order <c>--workers all</c> starts them: adding a worker is its project plus one line
/// here (docs/architecture.md, "Adding a worker"). <c>mreg</c> reads the same list (its status shows every worker).
/// </summary>
public static class ModuleCatalog
{
    public static IReadOnlyList<IRegistryModule> All { get; } =
    [
        new RegistrationModule(),
        new EvaluationModule(),
        new PromotionModule(),
        new DeploymentsModule(),
        new RetentionModule(),
        new ProbeModule(),
        new AuditCheckpointModule(),
    ];
}
