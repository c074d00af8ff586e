using ModelRegistry.Contracts;
using ModelRegistry.Contracts.Deployments;
using ModelRegistry.Deployments.Rules;
using ModelRegistry.Evaluation.Rules;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Identity;

namespace ModelRegistry.Domain.Tests.Deployments;

/// <summary>Who may report deployments, ask for admission, triage, probe and report evaluations (docs/deployments.md, "Serving principals").</summary>
public class ServingPrincipalRules_Specs
{
    private static readonly AccessPolicy Policy = AccessPolicy.Parse("""
        {
          "registry": ["mreg-workers"],
          "principals": {
            "staging-platform": { "environments": ["staging"] },
            "any-platform": { "environments": ["*"] },
            "evaluator": { "suites": ["accuracy-v2"] },
            "olivia": { "roles": ["triage"] },
            "sam": { "roles": ["probe", "requester"] }
          }
        }
        """, "spec").Policy!;

    [Theory]
    [InlineData(null, "staging", RejectionReasons.Unauthenticated)]
    [InlineData("staging-platform", "production", RejectionReasons.NotPermitted)]
    [InlineData("evaluator", "staging", RejectionReasons.NotPermitted)]
    [InlineData("mreg-workers", "staging", RejectionReasons.NotPermitted)]
    [InlineData("stranger", "staging", RejectionReasons.NotPermitted)]
    [InlineData("staging-platform", "staging", null)]
    [InlineData("any-platform", "production", null)]
    public void A_serving_report_needs_a_principal_that_serves_its_environment(string? principal, string environment, string? refused) =>
        Assert.Equal(refused, DeploymentRules.Sender(principal, environment, Policy)?.ReasonCode);

    [Fact]
    public void The_refusal_names_the_principal_and_the_environment() =>
        Assert.Equal("staging-platform may not report deployments in environment 'production' under the access policy (docs/security.md)",
            DeploymentRules.Sender("staging-platform", "production", Policy)!.Message);

    [Theory]
    [InlineData("staging-platform", null, "staging", null)]
    [InlineData("staging-platform", "staging", "staging", null)]
    [InlineData("staging-platform", "production", "staging", RejectionReasons.NotPermitted)]
    [InlineData("any-platform", "production", "staging", null)]
    public void A_known_endpoint_leaves_its_recorded_environment_only_for_a_sender_that_serves_it(string principal, string? recorded, string claimed,
        string? refused) =>
        Assert.Equal(refused, DeploymentRules.RecordedEnvironment(principal, "ep-1", recorded, claimed, Policy)?.ReasonCode);

    [Theory]
    [InlineData(null, RejectionReasons.Unauthenticated)]
    [InlineData("sam", RejectionReasons.NotPermitted)]
    [InlineData("any-platform", RejectionReasons.NotPermitted)]
    [InlineData("olivia", null)]
    public void Shadow_triage_needs_the_triage_role(string? principal, string? refused) =>
        Assert.Equal(refused, ShadowTriageRules.Requester(principal, Policy)?.ReasonCode);

    [Theory]
    [InlineData(null, RejectionReasons.Unauthenticated)]
    [InlineData("olivia", RejectionReasons.NotPermitted)]
    [InlineData("sam", null)]
    [InlineData("mreg-workers", null)]
    public void The_probe_is_for_the_probe_role_and_the_registry(string? principal, string? refused) =>
        Assert.Equal(refused, ProbeConsumer.Refusal(principal, Policy)?.ReasonCode);

    [Theory]
    [InlineData(null, "accuracy-v2", RejectionReasons.Unauthenticated)]
    [InlineData("evaluator", "fairness-v1", RejectionReasons.NotPermitted)]
    [InlineData("any-platform", "accuracy-v2", RejectionReasons.NotPermitted)]
    [InlineData("evaluator", "accuracy-v2", null)]
    public void An_evaluation_needs_a_principal_that_may_report_its_suite(string? principal, string suite, string? refused)
    {
        var evaluation = new EvaluationCompleted
        {
            EvaluationId = Guid.NewGuid(), ModelName = "m", Version = 1, Suite = suite, Metrics = new() { ["accuracy"] = 0.9 },
            EvaluatedAt = DateTimeOffset.UtcNow,
        };
        Assert.Equal(refused, EvaluationRules.Refusal(evaluation, principal, Policy, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5))?.ReasonCode);
    }

    [Fact]
    public void A_body_problem_is_named_before_the_suite_is_checked_against_the_principal()
    {
        var noSuite = new EvaluationCompleted { EvaluationId = Guid.NewGuid(), ModelName = "m", Version = 1, Suite = "", EvaluatedAt = DateTimeOffset.UtcNow };
        Assert.Equal(RejectionReasons.MissingField, EvaluationRules.Refusal(noSuite, "evaluator", Policy, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5))?.ReasonCode);
    }

    [Fact]
    public void A_refused_admission_carries_the_refusal_as_its_one_reason_and_looks_nothing_up()
    {
        var request = new CheckDeploymentAdmission { EndpointId = "ep", Environment = "production", ManifestDigest = "sha256:" + new string('a', 64), TrafficPercent = 5 };
        var denied = AdmissionDecision.Refused(request, DeploymentRules.Sender("staging-platform", "production", Policy)!, DateTimeOffset.UnixEpoch);

        var reason = Assert.Single(denied.Reasons);
        Assert.Equal((DeploymentReasons.NotPermitted, "ep", "production", request.ManifestDigest, (string?)null),
            (reason.Code, denied.EndpointId, denied.Environment, denied.ManifestDigest, denied.ModelName));
    }
}
