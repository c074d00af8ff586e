namespace ModelRegistry.Platform.Artifacts;

/// <summary>Where an object's bytes are (<see cref="IArtifactStore.Locate"/>).</summary>
[Flags]
public enum ArtifactTier
{
    /// <summary>Nowhere: never stored, or deleted by retention.</summary>
    None = 0,
    /// <summary>In the primary store (<c>Artifacts:Root</c>).</summary>
    Primary = 1,
    /// <summary>In the archive tier (<c>Artifacts:ArchiveRoot</c>).</summary>
    Archive = 2,
}
