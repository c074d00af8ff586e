using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Platform.Artifacts;

/// <summary>The outcome of <see cref="IArtifactStore.IngestAsync"/>.</summary>
/// <param name="Refusal">Null when the bytes are stored; otherwise why nothing was stored.</param>
/// <param name="Sha256">The SHA-256 of the bytes read; empty when the refusal came before hashing finished.</param>
/// <param name="Size">The bytes read (on a refusal, as far as reading got).</param>
/// <param name="Deduplicated">The object was already stored: the source was still read and verified, but not copied.</param>
/// <param name="ObjectPath">Where the object is kept; empty on a refusal.</param>
public sealed record IngestResult(Rejection? Refusal, string Sha256, long Size, bool Deduplicated, string ObjectPath);
