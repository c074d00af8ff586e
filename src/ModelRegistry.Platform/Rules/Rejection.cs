using ModelRegistry.Contracts;

namespace ModelRegistry.Platform.Rules;

/// <summary>Why a message was refused.</summary>
/// <param name="ReasonCode">One of the <see cref="RejectionReasons"/> constants.</param>
/// <param name="Message">For a person: names the field first, e.g. "Artifact.Files[2].SourceUri: ...".</param>
public sealed record Rejection(string ReasonCode, string Message);
