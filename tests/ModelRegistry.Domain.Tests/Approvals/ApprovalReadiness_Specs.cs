using ModelRegistry.Promotion.Approvals;
using ModelRegistry.Promotion.Rules;

namespace ModelRegistry.Domain.Tests.Approvals;

/// <summary>The start-up warnings when the configured integrations and approvers cannot complete what the policy asks.</summary>
public class ApprovalReadiness_Specs
{
    /// <summary>low: production needs a model-owner. high: canary a model-risk-officer; production a model-risk-officer and a
    /// security-review, two people. critical: production the same two roles, three people. medium: no approvals.</summary>
    private static readonly PromotionPolicy Policy = PromotionPolicy.Parse("""
        {
          "tiers": {
            "low": { "production": { "from": ["registered"], "approvals": { "roles": ["model-owner"], "distinctApprovers": 1, "timeout": "P1D" } } },
            "medium": { "production": { "from": ["registered"] } },
            "high": {
              "canary": { "from": ["registered"], "approvals": { "roles": ["model-risk-officer"], "distinctApprovers": 1, "timeout": "P1D" } },
              "production": { "from": ["canary"], "approvals": { "roles": ["model-risk-officer", "security-review"], "distinctApprovers": 2, "timeout": "P1D" } }
            },
            "critical": {
              "production": { "from": ["registered"], "approvals": { "roles": ["model-risk-officer", "security-review"], "distinctApprovers": 3, "timeout": "P1D" } }
            }
          }
        }
        """).Policy!;

    private static readonly string[] Desk = ["jira"];

    private static IReadOnlyList<string> Warnings(string[] integrations, params (string Person, string[] Roles)[] people) =>
        ApprovalReadiness.Warnings(Policy, integrations, ApproverDirectory.Of(people));

    [Fact]
    public void Enough_people_for_every_stage_and_an_integration_give_no_warning() =>
        Assert.Empty(Warnings(Desk, ("olga", ["model-owner"]), ("alice", ["model-risk-officer"]), ("bob", ["security-review"]),
            ("carol", ["model-risk-officer", "security-review"])));

    [Fact]
    public void A_policy_without_approvals_needs_nothing_configured() =>
        Assert.Empty(ApprovalReadiness.Warnings(PromotionPolicy.Parse("""
            { "tiers": { "low": { "staging": { "from": ["registered"] } }, "medium": { "staging": { "from": ["registered"] } },
              "high": { "staging": { "from": ["registered"] } }, "critical": { "staging": { "from": ["registered"] } } } }
            """).Policy!, [], ApproverDirectory.Of()));

    [Fact]
    public void Nothing_configured_names_the_integration_setting_and_each_role_with_the_stages_that_need_it() =>
        Assert.Equal(
        [
            "Ticketing: no ticketing integration is configured, so every approval decision is refused and promotions to low/production, " +
                "high/canary, high/production, critical/production will expire; set Ticketing__Integrations__<name>__Secret (docs/ticketing.md#configuration)",
            "Approvers: no configured approver holds role 'model-owner', which promotions to low/production need, so they will expire; " +
                "set Approvers__<person>__Roles__0=model-owner (docs/ticketing.md#configuration)",
            "Approvers: no configured approver holds role 'model-risk-officer', which promotions to high/canary, high/production, critical/production " +
                "need, so they will expire; set Approvers__<person>__Roles__0=model-risk-officer (docs/ticketing.md#configuration)",
            "Approvers: no configured approver holds role 'security-review', which promotions to high/production, critical/production need, " +
                "so they will expire; set Approvers__<person>__Roles__0=security-review (docs/ticketing.md#configuration)",
        ], Warnings([]));

    [Fact]
    public void Too_few_people_for_the_distinct_approvers_of_a_stage_are_named()
    {
        var warning = Assert.Single(Warnings(Desk, ("olga", ["model-owner"]), ("alice", ["model-risk-officer"]), ("bob", ["security-review"])));
        Assert.Equal("Approvers: approval at critical/production needs 3 different approvers holding model-risk-officer, security-review, " +
            "but only 2 configured people hold them (alice, bob), so those promotions will expire; give more people these roles with " +
            "Approvers__<person>__Roles__0=<role> (docs/ticketing.md#configuration)", warning);
    }

    [Fact]
    public void One_person_holding_both_roles_cannot_cover_both()
    {
        var warnings = Warnings(Desk, ("olga", ["model-owner"]), ("Carol", ["model-risk-officer", "security-review"]));
        Assert.Equal(
            "Approvers: approval at high/production needs 2 different approvers holding model-risk-officer, security-review, but only 1 " +
            "configured person holds them (Carol), so those promotions will expire; give more people these roles with " +
            "Approvers__<person>__Roles__0=<role> (docs/ticketing.md#configuration)", warnings[0]);
        Assert.StartsWith("Approvers: approval at critical/production needs 3 different approvers", warnings[1]);
        Assert.Equal(2, warnings.Count);
    }

    [Fact]
    public void Roles_that_only_one_and_the_same_person_can_give_are_found_even_with_enough_people()
    {
        // Three people for three approvers, but security-review and model-owner are both held only by dave.
        var policy = PromotionPolicy.Parse("""
            { "tiers": {
              "low": { "staging": { "from": ["registered"] } }, "medium": { "staging": { "from": ["registered"] } },
              "high": { "staging": { "from": ["registered"] } },
              "critical": { "production": { "from": ["registered"],
                "approvals": { "roles": ["model-risk-officer", "security-review", "model-owner"], "distinctApprovers": 3, "timeout": "P1D" } } } } }
            """).Policy!;
        var warning = Assert.Single(ApprovalReadiness.Warnings(policy, Desk, ApproverDirectory.Of(
            ("alice", ["model-risk-officer"]), ("erin", ["model-risk-officer"]), ("dave", ["security-review", "model-owner"]))));
        Assert.Equal("Approvers: approval at critical/production needs each of the roles model-risk-officer, security-review, model-owner " +
            "approved by a different person, but the configured approvers cannot cover them all at once (model-risk-officer: alice, erin; " +
            "security-review: dave; model-owner: dave), so those promotions will expire; give more people these roles with " +
            "Approvers__<person>__Roles__0=<role> (docs/ticketing.md#configuration)", warning);
    }

    [Fact]
    public void A_matching_that_needs_rearranging_is_still_found()
    {
        // ann, first in order, would take model-risk-officer; security-review only she holds, so bob must take that one.
        Assert.Empty(Warnings(Desk, ("olga", ["model-owner"]), ("ann", ["model-risk-officer", "security-review"]), ("bob", ["model-risk-officer"]),
            ("zoe", ["model-risk-officer"])));
    }
}
