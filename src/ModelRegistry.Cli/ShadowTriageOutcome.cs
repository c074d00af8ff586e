using System.Text.Json;

namespace ModelRegistry.Cli;

/// <summary>What <c>mreg shadow adopt | dismiss --json</c> prints: the outcome, from the event or, when it was missed, the audit log.</summary>
public sealed record ShadowTriageOutcome(Guid RequestId, string ManifestDigest, string Outcome, string? ReasonCode, string Message, string Source,
    JsonElement? Event);
