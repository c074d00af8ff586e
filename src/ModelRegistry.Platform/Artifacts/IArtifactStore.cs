using ModelRegistry.Contracts;

namespace ModelRegistry.Platform.Artifacts;

/// <summary>Verified, content-addressed storage of artifact files.</summary>
public interface IArtifactStore
{
    /// <summary>
    /// Reads <paramref name="file"/>'s source, checks its size and SHA-256 against the declaration, and stores the bytes
    /// at their content address. A hostile, unreadable or mismatching source is a <see cref="IngestResult.Refusal"/>;
    /// an exception means the store itself failed and the call may be retried. <c>field</c> is the file's place in the
    /// message as a JSON path, e.g. "artifact.files[2]"; refusals name it.
    /// </summary>
    Task<IngestResult> IngestAsync(ArtifactFile file, string field, CancellationToken ct);

    /// <summary>Re-hashes a stored object.</summary>
    Task<VerifyResult> VerifyAsync(string sha256, long size, CancellationToken ct);

    /// <summary>Where the object with this SHA-256 (64 lowercase hex digits) is kept.</summary>
    string ObjectPath(string sha256);
}
