using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Platform.Artifacts;

/// <summary>The archive tier: objects retention moved out of the primary store (docs/retention.md, "Archive tier").</summary>
/// <remarks>
/// Moving is copy, then unlink: the archive copy is written under a hidden temp name in its own folder, hashed while written,
/// made durable and only then named (<see cref="VerifiedCopy"/>); the primary copy is unlinked after that. A crash at any
/// instant leaves the bytes at one of the two addresses (both, between the naming and the unlink), and reads fall back from
/// the primary store to the archive, so an object is never unreadable. Running the move again finishes it.
/// </remarks>
public sealed partial class ContentAddressedStore
{
    /// <summary>The archive tier's root: <c>Artifacts:ArchiveRoot</c>, or <c>&lt;Root&gt;/archive</c> when it is not set.</summary>
    public string ArchiveRoot => string.IsNullOrWhiteSpace(options.ArchiveRoot) ? Path.Join(options.Root, "archive") : options.ArchiveRoot;

    public string ArchivePath(string sha256)
    {
        if (!FieldRules.IsSha256Hex(sha256)) throw new ArgumentException($"'{sha256}' is not 64 lowercase hex digits", nameof(sha256));
        return Path.Join(ArchiveRoot, "objects", sha256[..2], sha256);
    }

    public ArtifactTier Locate(string sha256) =>
        (File.Exists(ObjectPath(sha256)) ? ArtifactTier.Primary : ArtifactTier.None) | (File.Exists(ArchivePath(sha256)) ? ArtifactTier.Archive : ArtifactTier.None);

    public async Task ArchiveAsync(string sha256, long size, CancellationToken ct)
    {
        var primary = ObjectPath(sha256);
        var archive = ArchivePath(sha256);
        var archived = StoredSize(archive);
        if (archived != size)
        {
            if (StoredSize(primary) < 0)
                throw new FileNotFoundException(archived < 0
                    ? $"object {sha256} is in neither the primary store ({primary}) nor the archive tier ({archive})"
                    : $"object {sha256} is not in the primary store and its archive copy has {archived} bytes, not {size}", primary);
            EnsureDirectory(Path.GetDirectoryName(archive)!);
            // An archive copy of the wrong size is damaged (a copy is named only once verified): it is replaced.
            var copy = await CopyToArchiveAsync(primary, sha256, size, archive, replace: archived >= 0, ct);
            if (copy is null)
                throw new IOException($"object {sha256} vanished from the primary store while it was being archived, and no archive copy was made");
            if (!copy.Ok)
                throw new InvalidDataException($"object {sha256} is corrupt in the primary store: its bytes hash to sha256 {copy.ActualSha256} "
                    + $"({copy.ActualSize} bytes), not {sha256} ({size} bytes); it was not archived");
        }
        if (File.Exists(primary))
        {
            File.Delete(primary);
            if (options.Fsync) LinuxFiles.FsyncDirectory(Path.GetDirectoryName(primary)!);
        }
    }

    public Task<bool> DeleteArchivedAsync(string sha256, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var archive = ArchivePath(sha256);
        if (!File.Exists(archive)) return Task.FromResult(false);
        File.Delete(archive);
        if (options.Fsync) LinuxFiles.FsyncDirectory(Path.GetDirectoryName(archive)!);
        return Task.FromResult(true);
    }

    /// <summary>The verified copy's result; null when the primary copy was gone at the open (another archiver moved it first).
    /// Another archiver naming the same object first is not a failure: its copy was verified too.</summary>
    private async Task<CopyResult?> CopyToArchiveAsync(string primary, string sha256, long size, string archive, bool replace, CancellationToken ct)
    {
        CopyResult copy;
        try
        {
            copy = await VerifiedCopy.CopyAsync(primary, sha256, size, archive, replace, options.Fsync, ct);
            // Objects are immutable in either tier: read-only keeps a stray write from corrupting one.
            if (copy.Ok && !OperatingSystem.IsWindows()) File.SetUnixFileMode(archive, ReadOnly);
        }
        catch (IOException) when (StoredSize(archive) == size)
        {
            return new CopyResult(archive, true, true, sha256, size);
        }
        if (copy.Exists) return copy;
        return StoredSize(archive) == size ? new CopyResult(archive, true, true, sha256, size) : null;
    }
}
