using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Platform.Artifacts;

/// <summary>The archive tier: objects retention moved out of the primary store (docs/retention.md, "Archive tier").</summary>
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
}
