namespace ModelRegistry.Platform.Artifacts;

/// <summary>The outcome of <see cref="IArtifactStore.VerifyAsync"/>: Ok when the object exists with the expected size and SHA-256.</summary>
public sealed record VerifyResult(bool Exists, bool Ok, string ActualSha256, long ActualSize);
