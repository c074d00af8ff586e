namespace ModelRegistry.Platform.Identity;

/// <summary>What one principal may do: the teams it registers for, suites it reports, integrations it speaks for, environments it serves, its roles.</summary>
public sealed record PrincipalGrants(NameSet Teams, NameSet Suites, NameSet Integrations, NameSet Environments, IReadOnlySet<string> Roles)
{
    public static PrincipalGrants Nothing { get; } = new(NameSet.None, NameSet.None, NameSet.None, NameSet.None, new HashSet<string>());
}
