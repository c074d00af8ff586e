using ModelRegistry.Promotion.Approvals;

namespace ModelRegistry.Domain.Tests.Approvals;

public class Approvers_options_Specs
{
    private static ApproversOptions With(params (string Person, string[] Roles)[] people)
    {
        var options = new ApproversOptions();
        foreach (var (person, roles) in people) options[person] = new ApproverOptions { Roles = [.. roles] };
        return options;
    }

    [Fact]
    public void People_with_role_names_are_valid() =>
        Assert.Empty(With(("alice", ["model-risk-officer"]), ("Bob Smith", ["security-review", "model-owner"])).Validate());

    [Fact]
    public void A_person_without_roles_is_named() =>
        Assert.Equal("Approvers:alice:Roles: empty; give at least one role (Approvers__alice__Roles__0=model-risk-officer)",
            Assert.Single(With(("alice", [])).Validate()));

    [Fact]
    public void A_role_outside_the_name_charset_is_named_with_its_index() =>
        Assert.Equal("Approvers:alice:Roles:1: 'Security Review' is not a role name (1-100 characters of a-z, 0-9, '.', '_', '-', starting with a letter or digit)",
            Assert.Single(With(("alice", ["model-risk-officer", "Security Review"])).Validate()));

    [Fact]
    public void A_person_name_with_surrounding_whitespace_is_named() =>
        Assert.Equal("Approvers:' alice': person names are 1-200 characters, not starting or ending with whitespace",
            Assert.Single(With((" alice", ["model-risk-officer"])).Validate()));

    [Fact]
    public void People_are_one_entry_whatever_the_case()
    {
        var options = With(("alice", ["model-risk-officer"]));
        options["ALICE"] = new ApproverOptions { Roles = ["security-review"] };
        Assert.Single(options);
        var directory = new ApproverDirectory(options);
        Assert.True(directory.Holds("Alice", "security-review"));
        Assert.False(directory.Holds("Alice", "model-risk-officer"));
    }

    [Fact]
    public void The_directory_knows_people_and_their_roles()
    {
        var directory = new ApproverDirectory(With(("alice", ["model-risk-officer", "model-owner"])));
        Assert.True(directory.Knows("alice"));
        Assert.True(directory.Knows("Alice"));
        Assert.False(directory.Knows("bob"));
        Assert.True(directory.Holds("alice", "model-owner"));
        Assert.False(directory.Holds("alice", "Model-Owner"));
        Assert.False(directory.Holds("bob", "model-owner"));
        Assert.Equal(["model-owner", "model-risk-officer"], directory.RolesOf("ALICE").Order(StringComparer.Ordinal));
        Assert.Empty(directory.RolesOf("bob"));
    }
}
