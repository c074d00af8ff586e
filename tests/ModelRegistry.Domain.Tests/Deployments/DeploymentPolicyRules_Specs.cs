using ModelRegistry.Deployments;
using ModelRegistry.Contracts.Deployments;
using ModelRegistry.Deployments.Rules;

namespace ModelRegistry.Domain.Tests.Deployments;

public class DeploymentPolicyRules_Specs
{
    private const string Digest = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private static readonly EnvironmentPolicy Policy = EnvironmentPolicyFile.BuiltIn;

    private static ServingFacts Version(string environment, string stage, double traffic = 100, bool rolledBack = false) =>
        new(environment, traffic, "fraud-scorer", 3, Digest, stage, rolledBack);

    private static List<(string Code, string Message)> Check(ServingFacts facts) =>
        DeploymentPolicyRules.Check(facts, Policy).Select(r => (r.Code, r.Message)).ToList();

    [Fact]
    public void A_production_version_may_serve_production_at_any_share()
    {
        Assert.Empty(Check(Version("production", "production", 100)));
    }

    [Fact]
    public void A_staging_version_may_not_serve_production()
    {
        Assert.Equal([(DeploymentReasons.StageNotAllowed,
                "fraud-scorer v3 is in stage staging, which may not serve in production (allowed there: canary (at most 10 % of traffic), production)")],
            Check(Version("production", "staging")));
    }

    [Theory]
    [InlineData(10, false)]
    [InlineData(10.5, true)]
    public void A_canary_version_may_serve_production_up_to_its_cap(double traffic, bool denied)
    {
        var reasons = Check(Version("production", "canary", traffic));
        if (!denied) Assert.Empty(reasons);
        else
            Assert.Equal([(DeploymentReasons.StageNotAllowed,
                "fraud-scorer v3 is in stage canary, which may take at most 10 % of traffic in production, not 10.5 %")], reasons);
    }

    [Fact]
    public void A_retired_version_serves_nowhere_and_its_stage_is_not_reported_twice()
    {
        foreach (var environment in new[] { "production", "staging", "dev", "somewhere-else" })
            Assert.Equal([DeploymentReasons.Retired], Check(Version(environment, "retired")).Select(r => r.Code));
    }

    [Fact]
    public void A_version_retired_by_a_rollback_is_denied_for_both_reasons()
    {
        Assert.Equal([
                (DeploymentReasons.Retired, "fraud-scorer v3 is retired: a retired version serves nowhere"),
                (DeploymentReasons.RolledBack, "fraud-scorer v3 was retired by a rollback (an incident): it may not be deployed again"),
            ],
            Check(Version("production", "retired", rolledBack: true)));
    }

    [Fact]
    public void An_unregistered_artifact_is_refused_where_registration_is_required_only()
    {
        var shadow = new ServingFacts("production", 50, Digest: Digest);
        Assert.Equal([(DeploymentReasons.Unregistered,
                $"{Digest} is not a registered version, and production serves registered versions only: register it first")], Check(shadow));
        Assert.Empty(Check(shadow with { Environment = "dev" }));
        Assert.Empty(Check(shadow with { Environment = "laptop" }));
    }

    [Fact]
    public void An_environment_ruled_by_another_says_so()
    {
        var policy = EnvironmentPolicy.Parse("""
            { "environments": { "production": { "stages": { "production": {} }, "requireRegistered": true } }, "otherEnvironments": "production" }
            """, "p.json").Policy!;
        var reason = Assert.Single(DeploymentPolicyRules.Check(Version("prod-eu", "staging"), policy));
        Assert.Equal("fraud-scorer v3 is in stage staging, which may not serve in prod-eu (ruled as production) (allowed there: production)", reason.Message);
    }

    [Fact]
    public void A_registered_stage_version_may_serve_dev_but_not_staging()
    {
        Assert.Empty(Check(Version("dev", "registered")));
        Assert.Equal([DeploymentReasons.StageNotAllowed], Check(Version("staging", "registered")).Select(r => r.Code));
    }

    [Fact]
    public void Every_reason_that_applies_is_given()
    {
        var facts = Version("production", "staging") with { DigestMismatch = true, AskedDigest = "sha256:" + new string('b', 64), ArtifactDeleted = true };
        Assert.Equal([DeploymentReasons.DigestMismatch, DeploymentReasons.StageNotAllowed, DeploymentReasons.ArtifactDeleted],
            Check(facts).Select(r => r.Code));
    }
}
