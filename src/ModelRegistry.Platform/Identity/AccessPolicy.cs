namespace ModelRegistry.Platform.Identity;

/// <summary>
/// Who may do what (docs/security.md, "Access policy"): a principal is the broker user that sent a message (its validated
/// AMQP <c>user_id</c>), never a field of the body. <see cref="Registry"/> names the registry's own users, whose
/// messages (internal commands, forwarded events) are trusted; every other principal may do only what
/// <see cref="Principals"/> grants it, and a principal the policy does not name may do nothing.
/// </summary>
public sealed record AccessPolicy(IReadOnlySet<string> Registry, IReadOnlyDictionary<string, PrincipalGrants> Principals)
{
    public bool IsRegistry(string? principal) => principal is not null && Registry.Contains(principal);

    public PrincipalGrants GrantsOf(string principal) =>
        Principals.TryGetValue(principal, out var grants) ? grants : PrincipalGrants.Nothing;

    public bool MayRegisterFor(string principal, string team) => GrantsOf(principal).Teams.Allows(team);

    public bool MayReport(string principal, string suite) => GrantsOf(principal).Suites.Allows(suite);

    public bool MaySpeakFor(string principal, string integration) => GrantsOf(principal).Integrations.Allows(integration);

    public bool MayServe(string principal, string environment) => GrantsOf(principal).Environments.Allows(environment);

    public bool Holds(string principal, string role) => GrantsOf(principal).Roles.Contains(role);

    /// <summary>Parses a policy document; every problem is reported with its line and JSON path.</summary>
    public static AccessPolicyParseResult Parse(string json, string source) => AccessPolicyReader.Read(json, source);
}
