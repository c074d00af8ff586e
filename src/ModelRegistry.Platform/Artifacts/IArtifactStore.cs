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

    /// <summary>
    /// Writes the stored object's bytes to <paramref name="path"/> (a manifest path) under <paramref name="destinationRoot"/>
    /// (an existing folder, absolute path), checking its size and SHA-256 while writing: the bytes get their name only when
    /// they match, so bad or partial bytes are never left at the destination (<see cref="CopyResult"/>). A path that would
    /// leave the root, lexically or through a symlinked folder, is a <see cref="CopyResult.Refusal"/>. An existing file is
    /// replaced only with <paramref name="replace"/>.
    /// </summary>
    Task<CopyResult> CopyVerifiedAsync(string sha256, long size, string destinationRoot, string path, bool replace, CancellationToken ct);

    /// <summary>Where the object with this SHA-256 (64 lowercase hex digits) is kept in the primary store.</summary>
    string ObjectPath(string sha256);

    /// <summary>Where the object is kept in the archive tier (<c>Artifacts:ArchiveRoot</c>).</summary>
    string ArchivePath(string sha256);

    /// <summary>Where the object's bytes are now: the primary store, the archive tier, both (a re-registration stored them again), or nowhere.</summary>
    ArtifactTier Locate(string sha256);

    /// <summary>
    /// Moves an object from the primary store to the archive tier: copies it (hashed and size-checked while written, durable
    /// with <c>Artifacts:Fsync</c>, named only once verified), then unlinks the primary copy. Idempotent: an archive copy of the
    /// right size already there only unlinks the primary copy; with the primary copy gone and the archive copy there, nothing
    /// is done. Throws when the object is in neither place, or when the primary copy does not match <paramref name="sha256"/>
    /// and <paramref name="size"/> (then nothing is moved). A crash at any point leaves the bytes readable.
    /// </summary>
    Task ArchiveAsync(string sha256, long size, CancellationToken ct);

    /// <summary>
    /// Deletes the object's archive copy; true when there was one. Never touches the primary copy: a registration may have
    /// stored the same bytes again since they were archived.
    /// </summary>
    Task<bool> DeleteArchivedAsync(string sha256, CancellationToken ct);
}
