using ModelRegistry.Deployments;
using ModelRegistry.Deployments.Rules;

namespace ModelRegistry.Domain.Tests.Deployments;

public class EnvironmentPolicy_Parse_Specs
{
    private static readonly string Repo = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../.."));

    // Line numbers in the assertions below count lines of this text, starting at 1 on the opening brace.
    private const string Valid = """
        {
          "environments": {
            "production": {
              "stages": { "production": {}, "canary": { "maxTrafficPercent": 10 } },
              "requireRegistered": true
            },
            "dev": {
              "stages": { "registered": {}, "staging": {} },
              "requireRegistered": false
            }
          },
          "otherEnvironments": "production"
        }
        """;

    private static DeploymentPolicyError SingleError(string json)
    {
        var result = EnvironmentPolicy.Parse(json, "policy.json");
        Assert.Null(result.Policy);
        return Assert.Single(result.Errors);
    }

    private static string Replace(string from, string to)
    {
        Assert.Contains(from, Valid, StringComparison.Ordinal);
        return Valid.Replace(from, to, StringComparison.Ordinal);
    }

    [Fact]
    public void A_valid_policy_is_read_in_full()
    {
        var policy = EnvironmentPolicy.Parse(Valid, "policy.json").Policy!;
        var production = policy.For("production");
        Assert.Equal(new Dictionary<string, double?> { ["production"] = null, ["canary"] = 10 }, production.Stages);
        Assert.True(production.RequireRegistered);
        Assert.False(policy.For("dev").RequireRegistered);
        Assert.Equal(["registered", "staging"], policy.For("dev").Stages.Keys.Order());
    }

    [Fact]
    public void An_environment_the_policy_does_not_name_follows_other_environments()
    {
        var policy = EnvironmentPolicy.Parse(Valid, "policy.json").Policy!;
        Assert.Equal("production", policy.For("prod-eu").Name);
    }

    [Fact]
    public void The_built_in_policy_is_the_shipped_file()
    {
        var shipped = File.ReadAllText(Path.Combine(Repo, "config", "deployment-policy.json"));
        Assert.Equal(shipped, EnvironmentPolicyFile.BuiltInJson());
        var policy = EnvironmentPolicyFile.BuiltIn;
        Assert.Equal(new Dictionary<string, double?> { ["production"] = null, ["canary"] = 10 }, policy.For("production").Stages);
        Assert.Equal(["canary", "production", "shadow", "staging"], policy.For("staging").Stages.Keys.Order());
        Assert.Equal("dev", policy.For("qa").Name);
        Assert.False(policy.For("qa").RequireRegistered);
    }

    [Fact]
    public void The_policy_shown_in_the_docs_is_the_shipped_file()
    {
        var doc = File.ReadAllText(Path.Combine(Repo, "docs", "deployments.md"));
        var section = doc[doc.IndexOf("## Environment policy and violations", StringComparison.Ordinal)..];
        var start = section.IndexOf("```json\n", StringComparison.Ordinal) + "```json\n".Length;
        var shown = section[start..section.IndexOf("```", start, StringComparison.Ordinal)];
        Assert.Equal(EnvironmentPolicyFile.BuiltInJson(), shown);
    }

    [Fact]
    public void Retired_cannot_be_allowed_anywhere()
    {
        var error = SingleError(Replace("\"staging\": {}", "\"retired\": {}"));
        Assert.Equal((8, "environments.dev.stages.retired", "retired versions never serve; the stage cannot be allowed"),
            (error.Line, error.Path, error.Message));
    }

    [Fact]
    public void An_unknown_stage_names_the_stages_there_are()
    {
        var error = SingleError(Replace("\"staging\": {}", "\"stagin\": {}"));
        Assert.Equal("policy.json line 8: environments.dev.stages.stagin: unknown stage; expected one of registered, staging, shadow, canary, production",
            error.ToString());
    }

    [Theory]
    [InlineData("0", "0 must be more than 0 and at most 100")]
    [InlineData("100.5", "100.5 must be more than 0 and at most 100")]
    [InlineData("\"10\"", "must be a number (more than 0, at most 100), not a string")]
    public void A_traffic_cap_outside_0_to_100_is_refused(string value, string message)
    {
        var error = SingleError(Replace("\"maxTrafficPercent\": 10", $"\"maxTrafficPercent\": {value}"));
        Assert.Equal((4, "environments.production.stages.canary.maxTrafficPercent", message), (error.Line, error.Path, error.Message));
    }

    [Fact]
    public void Other_environments_must_name_an_environment_of_the_policy()
    {
        var error = SingleError(Replace("\"otherEnvironments\": \"production\"", "\"otherEnvironments\": \"prod\""));
        Assert.Equal((12, "otherEnvironments", "'prod' is not an environment of this policy; name one of environments"), (error.Line, error.Path, error.Message));
    }

    [Fact]
    public void Every_problem_is_reported_at_once_with_its_line()
    {
        var json = Replace("\"requireRegistered\": false", "\"requireRegistered\": \"no\"")
            .Replace("\"canary\": {", "\"canary\": { \"max\": 1, ", StringComparison.Ordinal)
            .Replace("\"otherEnvironments\": \"production\"", "\"otherEnvironments\": 3", StringComparison.Ordinal);
        var result = EnvironmentPolicy.Parse(json, "policy.json");
        Assert.Null(result.Policy);
        Assert.Equal([
                (4, "environments.production.stages.canary.max", "unknown property; expected one of maxTrafficPercent"),
                (9, "environments.dev.requireRegistered", "must be true or false, not a string"),
                (12, "otherEnvironments", "must be a string naming an environment of this policy, not a number"),
            ],
            result.Errors.Select(e => (e.Line, e.Path, e.Message)));
    }

    [Fact]
    public void A_missing_setting_and_an_unknown_property_are_named()
    {
        var json = Replace("\"requireRegistered\": true", "\"require\": true");
        var result = EnvironmentPolicy.Parse(json, "policy.json");
        Assert.Equal([
                (5, "environments.production.require", "unknown property; expected one of stages, requireRegistered"),
                (3, "environments.production.requireRegistered", "is required"),
            ],
            result.Errors.Select(e => (e.Line, e.Path, e.Message)));
    }

    [Fact]
    public void Broken_json_is_reported_with_its_position()
    {
        var error = SingleError(Replace("\"requireRegistered\": true", "\"requireRegistered\": tru"));
        Assert.Equal(5, error.Line);
        Assert.StartsWith("not valid JSON: ", error.Message);
        Assert.Equal("policy.json line 1: the document is empty", SingleError("  ").ToString());
    }

    [Fact]
    public void An_environment_name_must_be_a_name()
    {
        var error = SingleError(Replace("\"dev\": {", "\"Dev Box\": {"));
        Assert.Equal((7, "environments.Dev Box"), (error.Line, error.Path));
        Assert.StartsWith("'Dev Box' is not an environment name", error.Message);
    }
}
