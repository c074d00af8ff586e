using System.Security.Cryptography;
using System.Text.Json;
using ModelRegistry.Testing;

namespace ModelRegistry.Host.Tests;

/// <summary>
/// An isolated environment with one real host configured as ./run.sh configures it for a newcomer: the shipped promotion
/// policy (config/promotion-policy.json), a <c>dev</c> ticketing integration whose secret is generated for the run, and
/// dev approvers holding every approval role of that policy; none of the test suite's own integration or approvers.
/// </summary>
public sealed class DemoRegistry : IsolatedEnvironment
{
    public static readonly string Repo = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../.."));

    public HostProcess Host { get; private set; } = null!;

    public string DevSecret { get; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    protected override string PromotionPolicyJson => File.ReadAllText(Path.Combine(Repo, "config/promotion-policy.json"));

    /// <summary>What the host and <c>mreg</c> (the demo included) are started with.</summary>
    public IReadOnlyDictionary<string, string> DevEnvironment
    {
        get
        {
            var settings = EnvironmentVariables.Where(s => !s.Key.StartsWith("Ticketing__", StringComparison.Ordinal)
                && !s.Key.StartsWith("Approvers__", StringComparison.Ordinal)).ToDictionary();
            settings["Ticketing__Integrations__dev__Secret"] = DevSecret;
            settings["Ticketing__Integrations__dev__Approvers__0"] = "*";
            settings["Ticketing__Integrations__dev__Roles__0"] = "*";
            foreach (var (person, roles) in DevApprovers)
                for (var i = 0; i < roles.Count; i++) settings[$"Approvers__{person}__Roles__{i}"] = roles[i];
            return settings;
        }
    }

    /// <summary>One person per approval role of the shipped policy, and a lead holding them all (three distinct people for critical).</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> DevApprovers
    {
        get
        {
            var roles = PolicyRoles();
            var approvers = roles.ToDictionary(role => $"dev-{role}", role => (IReadOnlyList<string>)[role]);
            approvers["dev-lead"] = roles;
            return approvers;
        }
    }

    /// <summary>Every role some stage of config/promotion-policy.json asks approval of.</summary>
    public static IReadOnlyList<string> PolicyRoles()
    {
        using var policy = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repo, "config/promotion-policy.json")),
            new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        return policy.RootElement.GetProperty("tiers").EnumerateObject()
            .SelectMany(tier => tier.Value.EnumerateObject())
            .Where(stage => stage.Value.TryGetProperty("approvals", out _))
            .SelectMany(stage => stage.Value.GetProperty("approvals").GetProperty("roles").EnumerateArray().Select(r => r.GetString()!))
            .Distinct().Order(StringComparer.Ordinal).ToList();
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Host = HostProcess.StartHost(DevEnvironment);
        await Host.WaitUntilStartedAsync();
    }

    public override async Task DisposeAsync()
    {
        if (Host is not null) await Host.DisposeAsync();
        await base.DisposeAsync();
    }
}
