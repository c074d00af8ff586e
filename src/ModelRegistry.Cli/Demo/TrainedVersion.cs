namespace ModelRegistry.Cli.Demo;

/// <summary>A version the registry registered for the demo's pipeline: what the other actors refer to.</summary>
internal sealed record TrainedVersion(string Model, int Version, string ManifestDigest)
{
    public override string ToString() => $"{Model} v{Version}";
}
