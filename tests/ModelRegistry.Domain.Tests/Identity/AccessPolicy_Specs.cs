using ModelRegistry.Platform.Identity;

namespace ModelRegistry.Domain.Tests.Identity;

public class AccessPolicy_Specs
{
    private static readonly string Repo = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../.."));

    // Line numbers in the assertions below count lines of this text, starting at 1 on the opening brace.
    private const string Valid = """
        {
          "registry": ["svc-registry"],
          "principals": {
            "ci-fraud": { "teams": ["fraud", "risk"] },
            "eval-job": { "suites": ["*"] },
            "jira": { "integrations": ["jira"] },
            "k8s-prod": { "environments": ["production"] },
            "ana": { "roles": ["requester", "on-call"] }
          }
        }
        """;

    private static AccessPolicy Policy() => AccessPolicy.Parse(Valid, "access.json").Policy!;

    private static AccessPolicyError SingleError(string json)
    {
        var result = AccessPolicy.Parse(json, "access.json");
        Assert.Null(result.Policy);
        return Assert.Single(result.Errors);
    }

    private static string Replace(string from, string to)
    {
        Assert.Contains(from, Valid, StringComparison.Ordinal);
        return Valid.Replace(from, to, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pipeline_registers_only_for_its_teams()
    {
        var policy = Policy();
        Assert.True(policy.MayRegisterFor("ci-fraud", "fraud"));
        Assert.False(policy.MayRegisterFor("ci-fraud", "search"));
        Assert.False(policy.MayRegisterFor("eval-job", "fraud"));
    }

    [Fact]
    public void A_star_grants_any_name()
    {
        Assert.True(Policy().MayReport("eval-job", "anything-at-all"));
        Assert.False(Policy().MayReport("ci-fraud", "safety"));
    }

    [Fact]
    public void Each_grant_answers_only_for_its_kind()
    {
        var policy = Policy();
        Assert.True(policy.MaySpeakFor("jira", "jira"));
        Assert.False(policy.MaySpeakFor("jira", "servicenow"));
        Assert.True(policy.MayServe("k8s-prod", "production"));
        Assert.False(policy.MayServe("k8s-prod", "staging"));
        Assert.True(policy.Holds("ana", AccessRoles.OnCall));
        Assert.False(policy.Holds("ana", AccessRoles.Canceller));
    }

    [Fact]
    public void A_principal_the_policy_does_not_name_may_do_nothing()
    {
        var policy = Policy();
        Assert.False(policy.MayRegisterFor("stranger", "fraud"));
        Assert.False(policy.Holds("stranger", AccessRoles.Requester));
        Assert.False(policy.IsRegistry("stranger"));
        Assert.False(policy.IsRegistry(null));
    }

    [Fact]
    public void Names_compare_exactly()
    {
        Assert.False(Policy().Holds("Ana", AccessRoles.Requester));
        Assert.True(Policy().IsRegistry("svc-registry"));
        Assert.False(Policy().IsRegistry("SVC-REGISTRY"));
    }

    [Fact]
    public void An_unknown_role_is_named_with_its_line_and_path()
    {
        var e = SingleError(Replace("\"on-call\"", "\"oncall\""));
        Assert.Equal((8, "principals.ana.roles[1]"), (e.Line, e.Path));
        Assert.Contains("unknown role 'oncall'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_star_is_not_a_role_nor_a_registry_user()
    {
        Assert.Equal("principals.ana.roles[0]", SingleError(Replace("\"requester\", ", "\"*\", ")).Path);
        Assert.Equal("registry[0]", SingleError(Replace("[\"svc-registry\"]", "[\"*\"]")).Path);
    }

    [Fact]
    public void A_registry_user_takes_no_grants()
    {
        var e = SingleError(Replace("\"ana\":", "\"svc-registry\":"));
        Assert.Equal("principals.svc-registry", e.Path);
    }

    [Fact]
    public void Unknown_and_missing_properties_are_errors()
    {
        Assert.Equal("principals.jira.integration", SingleError(Replace("\"integrations\"", "\"integration\"")).Path);
        Assert.Equal("registry", SingleError(Replace("\"registry\": [\"svc-registry\"],", "")).Path);
        Assert.Equal("principals.ana", SingleError(Replace("{ \"roles\": [\"requester\", \"on-call\"] }", "{}")).Path);
    }

    [Fact]
    public void A_star_beside_names_and_a_repeated_name_are_errors()
    {
        Assert.Equal("principals.ci-fraud.teams", SingleError(Replace("[\"fraud\", \"risk\"]", "[\"fraud\", \"*\"]")).Path);
        Assert.Equal("principals.ci-fraud.teams[1]", SingleError(Replace("[\"fraud\", \"risk\"]", "[\"fraud\", \"fraud\"]")).Path);
    }

    [Fact]
    public void Every_error_is_reported_not_only_the_first()
    {
        var json = Replace("\"on-call\"", "\"oncall\"").Replace("\"integrations\"", "\"integration\"", StringComparison.Ordinal);
        Assert.Equal(2, AccessPolicy.Parse(json, "access.json").Errors.Count);
    }

    [Fact]
    public void Syntax_errors_name_the_line()
    {
        var e = SingleError(Valid.Replace("\"jira\": {", "\"jira\" {", StringComparison.Ordinal));
        Assert.Equal(6, e.Line);
        Assert.StartsWith("access.json line 6:", e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_shipped_policy_is_valid_and_is_the_built_in_one()
    {
        var text = File.ReadAllText(Path.Combine(Repo, "config", "access-policy.json"));
        Assert.Equal(text, AccessPolicyFile.BuiltInJson());
        Assert.True(AccessPolicy.Parse(text, "config/access-policy.json").IsValid);
        Assert.True(AccessPolicyFile.BuiltIn.IsRegistry("mreg-workers"));
        Assert.True(AccessPolicyFile.BuiltIn.Holds("mreg-operator", AccessRoles.OnCall));
    }

    [Fact]
    public void A_file_that_cannot_be_read_is_named_with_the_setting()
    {
        var (policy, errors) = AccessPolicyFile.Load("/nonexistent/access.json");
        Assert.Null(policy);
        Assert.StartsWith("Access:PolicyFile: cannot read /nonexistent/access.json", Assert.Single(errors), StringComparison.Ordinal);
    }
}
