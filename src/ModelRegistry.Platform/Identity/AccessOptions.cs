namespace ModelRegistry.Platform.Identity;

/// <summary>The <c>Access</c> configuration section: where the access policy is (docs/security.md).</summary>
public sealed class AccessOptions : ISettings
{
    public const string Section = "Access";

    /// <summary>The access policy file; unset: the built-in config/access-policy.json (the development users).</summary>
    public string? PolicyFile { get; set; }

    public IEnumerable<string> Validate() => [];
}
