namespace ModelRegistry.Deployments.Rules;

/// <summary>
/// The stages of a version as the deployments worker reads them from registry.version_stages (no row: registered).
/// The same names as the promotion worker's stages; this module may not reference that one.
/// </summary>
public static class ServingStages
{
    public const string Registered = "registered";
    public const string Staging = "staging";
    public const string Shadow = "shadow";
    public const string Canary = "canary";
    public const string Production = "production";
    public const string Retired = "retired";

    /// <summary>The stages an environment policy may let serve: every stage but retired, which never serves.</summary>
    public static IReadOnlyList<string> Servable { get; } = [Registered, Staging, Shadow, Canary, Production];
}
