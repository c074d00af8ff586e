using System.Text.Json;

namespace ModelRegistry.Cli;

public sealed record PromotionOutcome(Guid PromotionId, string ModelName, int Version, string TargetStage, string Outcome, string? State,
    string? ReasonCode, string? Message, string Source, JsonElement? Event);
