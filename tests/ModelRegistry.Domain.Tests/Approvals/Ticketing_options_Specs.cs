using ModelRegistry.Promotion.Approvals;

namespace ModelRegistry.Domain.Tests.Approvals;

public class Ticketing_options_Specs
{
    private static TicketingOptions With(params (string Name, string? Secret)[] integrations)
    {
        var options = new TicketingOptions();
        foreach (var (name, secret) in integrations)
            options.Integrations[name] = secret is null ? null! : new TicketingIntegrationOptions { Secret = secret, Approvers = ["*"], Roles = ["*"] };
        return options;
    }

    [Fact]
    public void Distinct_long_secrets_are_valid() => Assert.Empty(Decisions.Ticketing.Validate());

    [Fact]
    public void No_integrations_is_valid_and_accepts_nothing()
    {
        Assert.Empty(new TicketingOptions().Validate());
        Assert.Null(new TicketingOptions().SecretOf("jira"));
    }

    [Fact]
    public void A_short_secret_is_named()
    {
        var error = Assert.Single(With(("jira", new string('s', 31))).Validate());
        Assert.Equal("Ticketing:Integrations:jira:Secret: must be at least 32 characters", error);
    }

    [Fact]
    public void Thirty_two_characters_are_enough() => Assert.Empty(With(("jira", new string('s', 32))).Validate());

    [Fact]
    public void A_missing_secret_is_named()
    {
        Assert.Equal("Ticketing:Integrations:jira:Secret: required, at least 32 characters", Assert.Single(With(("jira", "")).Validate()));
        Assert.Equal("Ticketing:Integrations:jira:Secret: required, at least 32 characters", Assert.Single(With(("jira", null)).Validate()));
    }

    [Fact]
    public void Surrounding_whitespace_is_refused_because_the_secret_is_used_exactly() =>
        Assert.Equal("Ticketing:Integrations:jira:Secret: must not start or end with whitespace (it is used exactly as configured)",
            Assert.Single(With(("jira", Decisions.JiraSecret + "\n")).Validate()));

    [Fact]
    public void A_secret_that_is_not_valid_unicode_is_refused() =>
        Assert.Equal("Ticketing:Integrations:jira:Secret: must be valid Unicode without NUL characters",
            Assert.Single(With(("jira", Decisions.JiraSecret + "\ud800")).Validate()));

    [Fact]
    public void Two_integrations_may_not_share_a_secret() =>
        Assert.Equal("Ticketing:Integrations:servicenow:Secret: is the same as Ticketing:Integrations:jira:Secret; each integration needs its own",
            Assert.Single(With(("jira", Decisions.JiraSecret), ("servicenow", Decisions.JiraSecret)).Validate()));

    [Fact]
    public void An_integration_name_outside_the_name_charset_is_named() =>
        Assert.Equal("Ticketing:Integrations:Jira Cloud: integration names are 1-100 characters of a-z, 0-9, '.', '_', '-', starting with a letter or digit",
            Assert.Single(With(("Jira Cloud", Decisions.JiraSecret)).Validate()));

    [Fact]
    public void No_error_shows_a_secret()
    {
        const string Secret = " short-secret ";
        var errors = With(("jira", Secret), ("github", Secret)).Validate().ToList();
        Assert.NotEmpty(errors);
        Assert.All(errors, e => Assert.DoesNotContain("short-secret", e, StringComparison.Ordinal));
    }

    [Fact]
    public void The_secret_bytes_are_its_utf8_encoding() =>
        Assert.Equal(System.Text.Encoding.UTF8.GetBytes(Decisions.JiraSecret), Decisions.Ticketing.SecretOf("jira"));
}
