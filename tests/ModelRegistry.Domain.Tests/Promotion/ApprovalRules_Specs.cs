using ModelRegistry.Promotion.Rules;

namespace ModelRegistry.Domain.Tests.Promotion;

public class ApprovalRules_Specs
{
    private const string Mro = "model-risk-officer";
    private const string Sec = "security-review";
    private const string Requester = "rachel";

    private static readonly StagePolicy TwoRoles = Policies.Production(approvals: Policies.Approvals(2, Mro, Sec));

    private static ApprovalDecision Decide(StagePolicy policy, params ApprovalVote[] votes) => ApprovalRules.Decide(policy, Requester, votes);

    [Fact]
    public void Every_role_approved_by_its_own_person_approves() =>
        Assert.Equal(ApprovalOutcome.Approved, Decide(TwoRoles, new ApprovalVote("alice", Mro, true), new ApprovalVote("bob", Sec, true)).Outcome);

    [Fact]
    public void With_no_votes_every_role_is_missing()
    {
        var decision = Decide(TwoRoles);
        Assert.Equal(ApprovalOutcome.Waiting, decision.Outcome);
        Assert.Equal([Mro, Sec], decision.MissingRoles);
        Assert.Equal(2, decision.MissingApprovers);
    }

    [Fact]
    public void A_role_not_yet_approved_keeps_it_waiting()
    {
        var decision = Decide(TwoRoles, new ApprovalVote("alice", Mro, true));
        Assert.Equal(ApprovalOutcome.Waiting, decision.Outcome);
        Assert.Equal([Sec], decision.MissingRoles);
        Assert.Equal(1, decision.MissingApprovers);
    }

    [Fact]
    public void The_requesters_votes_never_count()
    {
        var decision = Decide(TwoRoles, new ApprovalVote("alice", Mro, true), new ApprovalVote(Requester, Sec, true));
        Assert.Equal(ApprovalOutcome.Waiting, decision.Outcome);
        Assert.Equal([Sec], decision.MissingRoles);
    }

    [Fact]
    public void The_requester_is_recognised_whatever_the_case() =>
        Assert.Equal(ApprovalOutcome.Waiting, Decide(TwoRoles, new ApprovalVote("alice", Mro, true), new ApprovalVote("Rachel", Sec, true)).Outcome);

    [Fact]
    public void The_requesters_rejection_does_not_reject() =>
        Assert.Equal(ApprovalOutcome.Approved,
            Decide(TwoRoles, new ApprovalVote(Requester, Mro, false), new ApprovalVote("alice", Mro, true), new ApprovalVote("bob", Sec, true)).Outcome);

    [Fact]
    public void One_person_holding_both_roles_covers_only_one()
    {
        var decision = Decide(TwoRoles, new ApprovalVote("alice", Mro, true), new ApprovalVote("alice", Sec, true));
        Assert.Equal(ApprovalOutcome.Waiting, decision.Outcome);
        Assert.Equal([Sec], decision.MissingRoles);
    }

    [Fact]
    public void The_same_person_approving_twice_counts_once()
    {
        var policy = Policies.Production(approvals: Policies.Approvals(2, Mro));
        var decision = Decide(policy, new ApprovalVote("alice", Mro, true), new ApprovalVote("ALICE", Mro, true));
        Assert.Equal(ApprovalOutcome.Waiting, decision.Outcome);
        Assert.Empty(decision.MissingRoles);
        Assert.Equal(1, decision.MissingApprovers);
    }

    [Fact]
    public void More_distinct_approvers_than_roles_needs_more_people()
    {
        var policy = Policies.Production(approvals: Policies.Approvals(3, Mro, Sec));
        Assert.Equal(ApprovalOutcome.Waiting, Decide(policy, new ApprovalVote("alice", Mro, true), new ApprovalVote("bob", Sec, true)).Outcome);
        Assert.Equal(ApprovalOutcome.Approved, Decide(policy, new ApprovalVote("alice", Mro, true), new ApprovalVote("bob", Sec, true), new ApprovalVote("carol", Mro, true)).Outcome);
    }

    [Fact]
    public void Votes_in_roles_not_required_do_not_count() =>
        Assert.Equal(ApprovalOutcome.Waiting, Decide(TwoRoles, new ApprovalVote("alice", Mro, true), new ApprovalVote("bob", "data-steward", true)).Outcome);

    [Fact]
    public void Any_rejection_by_a_required_role_rejects()
    {
        var decision = Decide(TwoRoles, new ApprovalVote("alice", Mro, true), new ApprovalVote("bob", Sec, false));
        Assert.Equal(ApprovalOutcome.Rejected, decision.Outcome);
        Assert.Equal("bob", decision.RejectedBy?.Approver);
    }

    [Fact]
    public void A_rejection_in_a_role_not_required_does_not_reject() =>
        Assert.Equal(ApprovalOutcome.Approved,
            Decide(TwoRoles, new ApprovalVote("carol", "data-steward", false), new ApprovalVote("alice", Mro, true), new ApprovalVote("bob", Sec, true)).Outcome);

    [Fact]
    public void A_persons_first_vote_is_the_one_that_counts() =>
        Assert.Equal(ApprovalOutcome.Approved,
            Decide(TwoRoles, new ApprovalVote("alice", Mro, true), new ApprovalVote("bob", Sec, true), new ApprovalVote("alice", Mro, false)).Outcome);

    [Fact]
    public void A_stage_without_approvals_is_approved_at_once() =>
        Assert.Equal(ApprovalOutcome.Approved, Decide(Policies.Production()).Outcome);

    [Fact]
    public void A_vote_by_a_required_role_is_accepted() =>
        Assert.Null(ApprovalRules.Refusal(TwoRoles, Requester, [new ApprovalVote("alice", Mro, true)], new ApprovalVote("bob", Sec, true)));

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_requester_cannot_vote_on_their_own_request(bool approved) =>
        Assert.Equal(PromotionRefusals.SelfApproval, ApprovalRules.Refusal(TwoRoles, Requester, [], new ApprovalVote(Requester, Mro, approved))?.ReasonCode);

    [Fact]
    public void A_second_vote_by_the_same_person_is_refused()
    {
        var refusal = ApprovalRules.Refusal(TwoRoles, Requester, [new ApprovalVote("alice", Mro, true)], new ApprovalVote("Alice", Sec, true));
        Assert.Equal(PromotionRefusals.DuplicateVote, refusal?.ReasonCode);
        Assert.Equal("Alice has already voted on this promotion", refusal!.Message);
    }

    [Fact]
    public void A_vote_in_a_role_not_required_is_refused()
    {
        var refusal = ApprovalRules.Refusal(TwoRoles, Requester, [], new ApprovalVote("carol", "data-steward", true));
        Assert.Equal(PromotionRefusals.RoleNotRequired, refusal?.ReasonCode);
        Assert.Equal("role 'data-steward' is not required; required: model-risk-officer, security-review", refusal!.Message);
    }

    [Fact]
    public void A_vote_on_a_stage_without_approvals_is_refused() =>
        Assert.Equal(PromotionRefusals.NoApprovalRequired,
            ApprovalRules.Refusal(Policies.Production(), Requester, [], new ApprovalVote("alice", Mro, true))?.ReasonCode);
}
