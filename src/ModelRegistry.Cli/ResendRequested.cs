namespace ModelRegistry.Cli;

public sealed record ResendRequested(Guid PromotionId, string RequestedBy);
