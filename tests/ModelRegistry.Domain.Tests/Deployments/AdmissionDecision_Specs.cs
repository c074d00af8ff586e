using ModelRegistry.Deployments;
using ModelRegistry.Contracts;
using ModelRegistry.Contracts.Deployments;
using ModelRegistry.Deployments.Rules;

namespace ModelRegistry.Domain.Tests.Deployments;

public class AdmissionDecision_Specs
{
    private const string Digest = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
    private static readonly Guid VersionId = Guid.NewGuid();

    private static CheckDeploymentAdmission Request(string environment = "production", double traffic = 100) => new()
    {
        EndpointId = "fraud-scoring.prod-eu",
        Environment = environment,
        ManifestDigest = Digest,
        TrafficPercent = traffic,
    };

    private static AdmissionVersion Version(string stage, bool rolledBack = false) => new(VersionId, "fraud-scorer", 3, Digest, stage, rolledBack);

    [Fact]
    public void A_production_version_on_a_production_endpoint_is_admitted_with_what_to_load()
    {
        var admitted = Assert.IsType<DeploymentAdmitted>(AdmissionDecision.Decide(Request(), Version("production"), EnvironmentPolicyFile.BuiltIn, Now));
        Assert.Equal(("fraud-scoring.prod-eu", "production", "fraud-scorer", 3, VersionId, Digest, "production", Now),
            (admitted.EndpointId, admitted.Environment, admitted.ModelName, admitted.Version, admitted.ModelVersionId, admitted.ManifestDigest,
                admitted.Stage, admitted.CheckedAt));
    }

    [Fact]
    public void An_unknown_digest_is_denied_as_unregistered_in_production_and_admitted_in_dev()
    {
        var denied = Assert.IsType<DeploymentDenied>(AdmissionDecision.Decide(Request(), null, EnvironmentPolicyFile.BuiltIn, Now));
        Assert.Equal(DeploymentReasons.Unregistered, Assert.Single(denied.Reasons).Code);
        Assert.Equal((Digest, (string?)null), (denied.ManifestDigest, denied.ModelName));

        var admitted = Assert.IsType<DeploymentAdmitted>(AdmissionDecision.Decide(Request("dev"), null, EnvironmentPolicyFile.BuiltIn, Now));
        Assert.Equal((Digest, (string?)null, (string?)null), (admitted.ManifestDigest, admitted.ModelName, admitted.Stage));
    }

    [Fact]
    public void A_name_and_version_with_another_digest_is_denied_as_a_mismatch()
    {
        var request = Request() with { ModelName = "fraud-scorer", Version = 3, ManifestDigest = "sha256:" + new string('c', 64) };
        var denied = Assert.IsType<DeploymentDenied>(AdmissionDecision.Decide(request, Version("production"), EnvironmentPolicyFile.BuiltIn, Now));
        Assert.Equal([DeploymentReasons.DigestMismatch], denied.Reasons.Select(r => r.Code));
        Assert.Equal(request.ManifestDigest, denied.ManifestDigest);
    }

    [Fact]
    public void A_version_rolled_back_is_denied_with_every_reason()
    {
        var denied = Assert.IsType<DeploymentDenied>(AdmissionDecision.Decide(Request(), Version("retired", rolledBack: true), EnvironmentPolicyFile.BuiltIn, Now));
        Assert.Equal([DeploymentReasons.Retired, DeploymentReasons.RolledBack], denied.Reasons.Select(r => r.Code));
        Assert.Equal(("fraud-scorer", 3), (denied.ModelName, denied.Version));
    }

    [Theory]
    [InlineData("", 100, RejectionReasons.MissingField, "endpointId")]
    [InlineData("production", 0, RejectionReasons.InvalidValue, "trafficPercent: 0 must be more than 0 and at most 100")]
    public void An_invalid_request_is_denied_with_the_validation_reason(string environment, double traffic, string code, string message)
    {
        var request = Request(environment, traffic) with { EndpointId = environment.Length == 0 ? "" : "e1" };
        var denied = Assert.IsType<DeploymentDenied>(AdmissionDecision.Decide(request, null, EnvironmentPolicyFile.BuiltIn, Now));
        var reason = Assert.Single(denied.Reasons);
        Assert.Equal(code, reason.Code);
        Assert.StartsWith(message, reason.Message);
    }
}
