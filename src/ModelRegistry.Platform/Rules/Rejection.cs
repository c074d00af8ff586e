using ModelRegistry.Contracts;

namespace ModelRegistry.Platform.Rules;

/// <summary>Why a message was refused.</summary>
/// <param name="ReasonCode">One of the <see cref="RejectionReasons"/> constants.</param>
/// <param name="Message">For a person: names the field first, as a JSON path in the wire format's camelCase, e.g. "artifact.files[2].sourceUri: ...".</param>
public sealed record Rejection(string ReasonCode, string Message);
