namespace ModelRegistry.Cli;

public sealed record PromotionRequested(Guid PromotionId, string ModelName, int Version, string TargetStage, string RequestedBy);
