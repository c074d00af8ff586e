using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ModelRegistry.Promotion.Approvals;

namespace ModelRegistry.Host.Tests;

/// <summary>The Ticketing and Approvers sections bind from environment variables as docs/ticketing.md shows them.</summary>
public class Ticketing_configuration_Specs
{
    private static IConfiguration FromEnvironment(params (string Name, string Value)[] variables)
    {
        var prefix = $"MREGSPEC{Guid.NewGuid():N}_";
        foreach (var (name, value) in variables) Environment.SetEnvironmentVariable(prefix + name, value);
        try
        {
            return new ConfigurationBuilder().AddEnvironmentVariables(prefix).Build();
        }
        finally
        {
            foreach (var (name, _) in variables) Environment.SetEnvironmentVariable(prefix + name, null);
        }
    }

    private static T Bind<T>(IConfiguration configuration, string section) where T : class
    {
        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        services.AddOptions<T>().BindConfiguration(section);
        return services.BuildServiceProvider().GetRequiredService<IOptions<T>>().Value;
    }

    [Fact]
    public void Secrets_and_approvers_bind_from_environment_variables()
    {
        var configuration = FromEnvironment(
            ("Ticketing__Integrations__jira__Secret", "jira-secret-0123456789abcdef-0123456789"),
            ("Ticketing__Integrations__jira__Approvers__0", "alice"),
            ("Ticketing__Integrations__jira__Approvers__1", "Carol"),
            ("Ticketing__Integrations__jira__Roles__0", "model-risk-officer"),
            ("Ticketing__Integrations__jira__AcceptV1Decisions", "true"),
            ("Ticketing__Integrations__servicenow__Secret", "servicenow-secret-0123456789abcdef-012345"),
            ("Ticketing__Integrations__servicenow__Approvers__0", "*"),
            ("Ticketing__Integrations__servicenow__Roles__0", "*"),
            ("Ticketing__ClockSkew", "00:02:00"),
            ("Approvers__alice__Roles__0", "model-risk-officer"),
            ("Approvers__carol__Roles__0", "model-risk-officer"),
            ("Approvers__carol__Roles__1", "security-review"));

        var ticketing = Bind<TicketingOptions>(configuration, TicketingOptions.Section);
        var approvers = Bind<ApproversOptions>(configuration, ApproversOptions.Section);

        Assert.Empty(ticketing.Validate());
        Assert.Empty(approvers.Validate());
        Assert.Equal("jira-secret-0123456789abcdef-0123456789"u8.ToArray(), ticketing.SecretOf("jira"));
        Assert.NotNull(ticketing.SecretOf("servicenow"));
        var directory = new ApproverDirectory(approvers);
        Assert.True(directory.Holds("alice", "model-risk-officer"));
        Assert.True(directory.Holds("Carol", "security-review"));
        Assert.Equal(2, directory.People.Count);
        Assert.Empty(ticketing.Validate(directory));
        var jira = ticketing.Of("jira")!;
        Assert.True(jira.MaySpeakFor("carol") && jira.MaySignAs("model-risk-officer") && jira.AcceptV1Decisions);
        Assert.False(jira.MaySignAs("security-review"));
        Assert.True(ticketing.Of("servicenow")!.MaySpeakFor("anyone"));
        Assert.False(ticketing.Of("servicenow")!.AcceptV1Decisions);
        Assert.Equal(TimeSpan.FromMinutes(2), ticketing.ClockSkew);
    }

    [Fact]
    public void An_integration_without_allow_lists_or_listing_an_unknown_approver_is_named()
    {
        var unlisted = Bind<TicketingOptions>(FromEnvironment(("Ticketing__Integrations__jira__Secret", "jira-secret-0123456789abcdef-0123456789")),
            TicketingOptions.Section);
        Assert.Equal([
            "Ticketing:Integrations:jira:Approvers: required; list the people this integration may speak for (Ticketing__Integrations__jira__Approvers__0=alice), or '*' for everyone in Approvers",
            "Ticketing:Integrations:jira:Roles: required; list the roles this integration may sign for (Ticketing__Integrations__jira__Roles__0=model-risk-officer), or '*' for every role",
        ], unlisted.Validate());
        var unknown = Bind<TicketingOptions>(FromEnvironment(("Ticketing__Integrations__jira__Secret", "jira-secret-0123456789abcdef-0123456789"),
            ("Ticketing__Integrations__jira__Approvers__0", "zed"), ("Ticketing__Integrations__jira__Roles__0", "*")), TicketingOptions.Section);
        Assert.Empty(unknown.Validate());
        Assert.Equal("Ticketing:Integrations:jira:Approvers:0: 'zed' is not in the approver directory (Approvers)",
            Assert.Single(unknown.Validate(ApproverDirectory.Of(("alice", ["model-risk-officer"])))));
    }

    [Fact]
    public void Get_binds_the_same_and_keeps_people_case_insensitive()
    {
        var configuration = FromEnvironment(
            ("Ticketing__Integrations__jira__Secret", "jira-secret-0123456789abcdef-0123456789"),
            ("Approvers__Alice__Roles__0", "model-risk-officer"));

        var ticketing = configuration.GetSection(TicketingOptions.Section).Get<TicketingOptions>()!;
        var approvers = configuration.GetSection(ApproversOptions.Section).Get<ApproversOptions>()!;

        Assert.NotNull(ticketing.SecretOf("jira"));
        Assert.True(approvers.ContainsKey("alice"));
        Assert.True(new ApproverDirectory(approvers).Holds("ALICE", "model-risk-officer"));
    }

    [Fact]
    public void A_short_secret_from_the_environment_is_named_as_the_setting() =>
        Assert.Equal("Ticketing:Integrations:jira:Secret: must be at least 32 characters",
            Assert.Single(Bind<TicketingOptions>(FromEnvironment(("Ticketing__Integrations__jira__Secret", "too-short"),
                ("Ticketing__Integrations__jira__Approvers__0", "*"), ("Ticketing__Integrations__jira__Roles__0", "*")), TicketingOptions.Section).Validate()));

    [Fact]
    public void An_approver_listed_without_roles_is_named() =>
        Assert.Equal("Approvers:dave:Roles: empty; give at least one role (Approvers__dave__Roles__0=model-risk-officer)",
            Assert.Single(Bind<ApproversOptions>(FromEnvironment(("Approvers__dave__Roles", "")), ApproversOptions.Section).Validate()));
}
