using ModelRegistry.Platform.Rules;
using ModelRegistry.Platform;

namespace ModelRegistry.Platform.Artifacts;

/// <summary>The <c>Artifacts</c> configuration section: where verified artifact files are kept and read from.</summary>
public sealed class ArtifactStoreOptions : ISettings
{
    public const string Section = "Artifacts";

    /// <summary>The store: objects under <c>objects/</c>; files being copied have no name until verified, or live under <c>tmp/</c> where the file system cannot do that.</summary>
    public string Root { get; set; } = "/var/lib/model-registry/artifacts";

    /// <summary>The archive tier (retention moves objects here; another file system in production). Empty: <c>&lt;Root&gt;/archive</c>.</summary>
    public string? ArchiveRoot { get; set; }

    /// <summary>The directories source files may be read from. Empty: every file source is refused. Each is resolved (symlinks
    /// followed) when first used, and that place is kept until restart.</summary>
    public List<string> AllowedSourceRoots { get; set; } = [];

    /// <summary>Make each object durable before it gets its name, and the name before reporting it stored (shared syncfs, see GroupSync).</summary>
    public bool Fsync { get; set; } = true;

    /// <summary>The largest file accepted, in bytes (at most 1 TiB, the contract's limit).</summary>
    public long MaxFileBytes { get; set; } = ArtifactPaths.MaxFileSize;

    public IEnumerable<string> Validate()
    {
        var root = ArtifactPaths.NormalizeRoot(Root);
        if (root is null) yield return $"{Section}:Root must be an absolute path without '.' or '..' segments";
        else if (root == "/") yield return $"{Section}:Root must not be '/'";

        if (!string.IsNullOrWhiteSpace(ArchiveRoot))
        {
            var archive = ArtifactPaths.NormalizeRoot(ArchiveRoot);
            if (archive is null) yield return $"{Section}:ArchiveRoot must be an absolute path without '.' or '..' segments";
            else if (archive == "/") yield return $"{Section}:ArchiveRoot must not be '/'";
            else if (root is not null && (archive == root || archive.StartsWith(root.TrimEnd('/') + "/objects", StringComparison.Ordinal)))
                yield return $"{Section}:ArchiveRoot must not be the store's root or inside its objects folder";
        }

        var roots = AllowedSourceRoots ?? [];
        for (var i = 0; i < roots.Count; i++)
        {
            var allowed = ArtifactPaths.NormalizeRoot(roots[i]);
            if (allowed is null)
                yield return $"{Section}:AllowedSourceRoots[{i}] must be an absolute path without '.' or '..' segments";
            else if (allowed == "/")
                yield return $"{Section}:AllowedSourceRoots[{i}] must not be '/' (that allows every file on the machine)";
        }

        if (MaxFileBytes is < 1 or > ArtifactPaths.MaxFileSize)
            yield return $"{Section}:MaxFileBytes {MaxFileBytes} is outside 1-{ArtifactPaths.MaxFileSize}";
    }
}
