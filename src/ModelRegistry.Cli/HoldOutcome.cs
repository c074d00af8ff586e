using System.Text.Json;

namespace ModelRegistry.Cli;

/// <summary>What <c>mreg hold place | release --json</c> prints: the outcome, from the event or, when it was missed, the audit log.</summary>
public sealed record HoldOutcome(Guid RequestId, Guid HoldId, string Outcome, string? ReasonCode, string Message, string Source, JsonElement? Event);
