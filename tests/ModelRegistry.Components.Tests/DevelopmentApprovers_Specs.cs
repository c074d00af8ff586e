using Microsoft.Extensions.Configuration;
using ModelRegistry.Promotion.Approvals;
using ModelRegistry.Promotion.Rules;

namespace ModelRegistry.Components.Tests;

/// <summary>
/// The development approvers (config/dev-approvers.env, which <c>compose/services.sh env</c> gives run.sh's host and the
/// demo) can approve every stage of the shipped policy that needs approval, with distinct people, whoever requested it.
/// </summary>
public class DevelopmentApprovers_Specs
{
    private static readonly string Repo = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../.."));

    [Fact]
    public void Every_stage_that_needs_approval_can_be_approved_by_them_even_when_one_of_them_requested_it()
    {
        var approvers = Approvers();
        Assert.Empty(approvers.Validate());
        var policy = PromotionPolicy.Parse(File.ReadAllText(Path.Combine(Repo, "config/promotion-policy.json"))).Policy!;
        var stages = policy.Tiers.Values.SelectMany(t => t.Stages.Values.Select(s => (t.Tier, Stage: s))).Where(s => s.Stage.Approvals is not null).ToList();
        Assert.NotEmpty(stages);

        foreach (var (tier, stage) in stages)
        {
            foreach (var requester in approvers.Keys.Prepend("ci-pipeline"))
            {
                var votes = BestVotes(stage, approvers, requester);
                var decision = ApprovalRules.Decide(stage, requester, votes);
                Assert.True(decision.Outcome == ApprovalOutcome.Approved,
                    $"{tier} -> {stage.Target} requested by {requester}: missing roles [{string.Join(", ", decision.MissingRoles)}], "
                    + $"{decision.MissingApprovers} more people needed; the development approvers are {string.Join(", ", approvers.Keys)}");
            }
        }
    }

    /// <summary>Everyone but the requester approves once, in a required role they hold, uncovered roles first.</summary>
    private static List<ApprovalVote> BestVotes(StagePolicy stage, ApproversOptions approvers, string requester)
    {
        var required = stage.Approvals!.Roles;
        var votes = new List<ApprovalVote>();
        var people = approvers.Where(a => !a.Key.Equals(requester, StringComparison.OrdinalIgnoreCase))
            .Select(a => (Person: a.Key, Roles: a.Value.Roles.Where(required.Contains).ToList()))
            .Where(p => p.Roles.Count > 0)
            .OrderBy(p => p.Roles.Count); // people with one role first, so a person with several can cover what is left
        foreach (var (person, roles) in people)
        {
            var role = roles.FirstOrDefault(r => votes.All(v => v.Role != r)) ?? roles[0];
            votes.Add(new ApprovalVote(person, role, Approved: true));
        }
        return votes;
    }

    private static ApproversOptions Approvers()
    {
        var lines = File.ReadLines(Path.Combine(Repo, "config/dev-approvers.env"))
            .Where(l => !l.StartsWith('#') && l.Contains('=', StringComparison.Ordinal))
            .Select(l => l.Split('=', 2))
            .Select(kv => KeyValuePair.Create(kv[0].Replace("__", ":", StringComparison.Ordinal), (string?)kv[1]));
        var approvers = new ApproversOptions();
        new ConfigurationBuilder().AddInMemoryCollection(lines).Build().GetSection(ApproversOptions.Section).Bind(approvers);
        return approvers;
    }
}
