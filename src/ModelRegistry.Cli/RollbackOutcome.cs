using System.Text.Json;

namespace ModelRegistry.Cli;

public sealed record RollbackOutcome(Guid RollbackId, string ModelName, string Outcome, int? RestoredVersion, int? RetiredVersion,
    string? ReasonCode, string? Message, string Source, JsonElement? Event);
