using ModelRegistry.Cli.Demo;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Promotion.Approvals;

namespace ModelRegistry.Components.Tests;

/// <summary>Who the demo's ticketing actor has sign a request: its pure choice of approvers from the directory.</summary>
public class TicketSigners_Specs
{
    private static ApprovalRequested Request(string requestedBy, int distinct, params string[] roles) =>
        new() { RequestedBy = requestedBy, RequiredRoles = roles, DistinctApprovers = distinct };

    [Fact]
    public void Each_role_gets_the_first_holder_by_name_who_is_not_the_requester()
    {
        var directory = ApproverDirectory.Of(("bob", ["model-risk-officer"]), ("alice", ["model-risk-officer"]), ("carol", ["security-review"]));

        Assert.Equal([("alice", "model-risk-officer")], TicketSigners.Pick(Request("rachel", 1, "model-risk-officer"), directory).Signers);
        Assert.Equal([("bob", "model-risk-officer")], TicketSigners.Pick(Request("Alice", 1, "model-risk-officer"), directory).Signers);
    }

    [Fact]
    public void Two_roles_go_to_two_people_even_when_the_first_choice_would_leave_a_role_unsigned()
    {
        // "ann" holds both, "zed" only the first: ann must take the second role.
        var directory = ApproverDirectory.Of(("ann", ["model-risk-officer", "security-review"]), ("zed", ["model-risk-officer"]));

        var (signers, missing) = TicketSigners.Pick(Request("rachel", 2, "model-risk-officer", "security-review"), directory);

        Assert.Null(missing);
        Assert.Equal([("zed", "model-risk-officer"), ("ann", "security-review")], signers);
    }

    [Fact]
    public void More_distinct_approvers_than_roles_adds_other_holders_of_a_required_role()
    {
        var directory = ApproverDirectory.Of(("ann", ["model-risk-officer"]), ("ben", ["security-review"]), ("cat", ["security-review"]),
            ("dan", ["data-scientist"]));

        var (signers, _) = TicketSigners.Pick(Request("rachel", 3, "model-risk-officer", "security-review"), directory);

        Assert.Equal([("ann", "model-risk-officer"), ("ben", "security-review"), ("cat", "security-review")], signers);
    }

    [Fact]
    public void A_role_nobody_but_the_requester_holds_is_named_as_missing()
    {
        var directory = ApproverDirectory.Of(("ann", ["model-owner"]), ("ben", ["model-risk-officer"]));

        Assert.Equal((null, "model-owner"), TicketSigners.Pick(Request("ann", 1, "model-owner"), directory));
        var (signers, missing) = TicketSigners.Pick(Request("rachel", 3, "model-owner", "model-risk-officer"), directory);
        Assert.Null(signers);
        Assert.Contains("3 different people", missing);
    }
}
