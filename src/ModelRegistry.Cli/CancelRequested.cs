namespace ModelRegistry.Cli;

public sealed record CancelRequested(Guid PromotionId, string CancelledBy);
