using ModelRegistry.Contracts;
using ModelRegistry.Contracts.Deployments;
using ModelRegistry.Deployments.Rules;

namespace ModelRegistry.Domain.Tests.Deployments;

public class ShadowTriageRules_Specs
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
    private static readonly string Digest = "sha256:" + new string('c', 64);
    private static readonly RegisteredArtifact Fraud3 = new(Guid.NewGuid(), "fraud", 3);

    private static AdoptShadowModel Adopt(string? owner = "risk-team", DateTimeOffset? registerBy = null, string model = "fraud") => new()
    {
        RequestId = Guid.NewGuid(), ManifestDigest = Digest, ModelName = model, Owner = owner, RegisterBy = registerBy ?? Now.AddDays(14),
        RequestedBy = "olivia",
    };

    private static DismissShadowModel Dismiss(string reason = "vendor model under contract V-12") => new()
    {
        RequestId = Guid.NewGuid(), ManifestDigest = Digest, Reason = reason, RequestedBy = "olivia",
    };

    [Fact]
    public void Adopting_a_digest_a_registered_version_has_links_it_to_that_version()
    {
        var decision = ShadowTriageRules.Adopt(Adopt(owner: null) with { RegisterBy = null }, sighted: true, Fraud3, Now);
        Assert.Equal((ShadowTriageRules.Linked, Fraud3.VersionId), (decision.Outcome, decision.VersionId));
        Assert.Contains("fraud version 3", decision.Message);
    }

    [Fact]
    public void Adopting_under_another_model_name_than_the_registered_one_is_refused()
    {
        var decision = ShadowTriageRules.Adopt(Adopt(model: "churn"), sighted: true, Fraud3, Now);
        Assert.Equal(DeploymentReasons.DigestMismatch, decision.Refusal?.ReasonCode);
        Assert.Equal($"modelName: {Digest} is fraud version 3, not a version of churn", decision.Message);
    }

    [Fact]
    public void Adopting_an_unregistered_digest_records_owner_and_deadline()
    {
        var decision = ShadowTriageRules.Adopt(Adopt(), sighted: true, null, Now);
        Assert.Equal((ShadowTriageRules.Adopted, (Guid?)null, false), (decision.Outcome, decision.VersionId, decision.Refused));
        Assert.Equal($"{Digest} adopted as fraud by risk-team, to be registered by 2026-12-10 12:00 UTC", decision.Message);
    }

    [Fact]
    public void Adopting_an_unregistered_digest_without_owner_or_deadline_or_with_a_past_deadline_is_refused_naming_the_field()
    {
        var noOwner = ShadowTriageRules.Adopt(Adopt(owner: null), sighted: true, null, Now);
        Assert.Equal(RejectionReasons.MissingField, noOwner.Refusal?.ReasonCode);
        Assert.StartsWith("owner: required while no registered version has", noOwner.Message);

        var noDate = ShadowTriageRules.Adopt(Adopt() with { RegisterBy = null }, sighted: true, null, Now);
        Assert.Equal(RejectionReasons.MissingField, noDate.Refusal?.ReasonCode);
        Assert.StartsWith("registerBy: required", noDate.Message);

        var past = ShadowTriageRules.Adopt(Adopt(registerBy: Now.AddDays(-1)), sighted: true, null, Now);
        Assert.Equal(RejectionReasons.InvalidValue, past.Refusal?.ReasonCode);
        Assert.Equal("registerBy: 2026-11-25T12:00:00.0000000+00:00 is not in the future", past.Message);
    }

    [Fact]
    public void A_digest_never_seen_serving_cannot_be_adopted_or_dismissed()
    {
        var adopt = ShadowTriageRules.Adopt(Adopt(), sighted: false, null, Now);
        var dismiss = ShadowTriageRules.Dismiss(Dismiss(), sighted: false, null);
        Assert.Equal((DeploymentReasons.UnknownDigest, DeploymentReasons.UnknownDigest), (adopt.Refusal?.ReasonCode, dismiss.Refusal?.ReasonCode));
        Assert.Equal($"manifestDigest: no endpoint was ever seen serving {Digest} (see `mreg shadow list --all`)", adopt.Message);
    }

    [Fact]
    public void Dismissing_needs_a_reason_and_an_unregistered_digest()
    {
        Assert.Equal((ShadowTriageRules.Dismissed, $"{Digest} dismissed: vendor model under contract V-12"),
            (ShadowTriageRules.Dismiss(Dismiss(), sighted: true, null).Outcome, ShadowTriageRules.Dismiss(Dismiss(), sighted: true, null).Message));
        var blank = ShadowTriageRules.Dismiss(Dismiss("  "), sighted: true, null);
        Assert.Equal((RejectionReasons.MissingField, "reason: required"), (blank.Refusal?.ReasonCode, blank.Message));
        var registered = ShadowTriageRules.Dismiss(Dismiss(), sighted: true, Fraud3);
        Assert.Equal(DeploymentReasons.NotShadow, registered.Refusal?.ReasonCode);
    }

    [Theory]
    [InlineData("sha256:ABC", "manifestDigest: 'sha256:ABC' must be 'sha256:' and 64 lowercase hex digits")]
    [InlineData("", "manifestDigest: required")]
    public void A_malformed_digest_is_refused_before_anything_is_looked_up(string digest, string message)
    {
        var decision = ShadowTriageRules.Adopt(Adopt() with { ManifestDigest = digest }, sighted: true, null, Now);
        Assert.Equal(message, decision.Message);
        Assert.True(decision.Refused);
    }

    [Fact]
    public void A_requester_is_required()
    {
        var decision = ShadowTriageRules.Dismiss(Dismiss() with { RequestedBy = "" }, sighted: true, null);
        Assert.Equal("requestedBy: required", decision.Message);
    }
}
