using System.Text.Json;
using Dapper;
using ModelRegistry.Cli;
using ModelRegistry.Contracts;
using ModelRegistry.Contracts.Deployments;
using ModelRegistry.Testing;

namespace ModelRegistry.Host.Tests;

/// <summary>
/// <c>mreg shadow list | adopt | dismiss</c> against a real host: shadow models come from heartbeats, triage goes through the
/// broker to the shadow-triage worker and back as ShadowModelTriaged, and every decision is in the audit log. The CLI
/// connects as the operator (triage role): the principal is the audit actor and triaged_by, the body's requestedBy information.
/// </summary>
public class ShadowCli_Specs(RunningRegistry registry) : IClassFixture<RunningRegistry>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    private CliSettings Settings => new(registry.As(BrokerUsers.Operator), registry.Database);

    private static string NewDigest() => "sha256:" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()) + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());

    private async Task<string> SightedAsync(string? digest = null)
    {
        digest ??= NewDigest();
        var endpoint = "shadow-" + Guid.NewGuid().ToString("N")[..8];
        await registry.Observer.PublishAsync(Inventory_Specs.Heartbeat(endpoint, T0, (digest, 25)));
        await using var c = await registry.DataSource.OpenConnectionAsync();
        await Eventually.UntilAsync(() => c.ExecuteScalarAsync<long>("SELECT count(*) FROM registry.shadow_sightings WHERE manifest_digest = @digest", new { digest }),
            n => n == 1, Wait, $"the sighting of {digest}");
        return digest;
    }

    private static AdoptShadowModel Adopt(string digest, string model = "fraud-shadow", string? owner = "risk-team", DateTimeOffset? registerBy = null) => new()
    {
        RequestId = Guid.NewGuid(), ManifestDigest = digest, ModelName = model, Owner = owner,
        RegisterBy = registerBy ?? DateTimeOffset.UtcNow.AddDays(30), RequestedBy = "olivia",
    };

    private async Task<JsonElement> ListAsync(bool all)
    {
        var (exit, json, _) = await Cli_Specs.RunAsync(w => ShadowCommand.ListAsync(Settings, all, json: true, w, default));
        Assert.Equal(0, exit);
        return json;
    }

    private async Task<(string Actor, JsonElement Details)> AuditAsync(string action, Guid requestId)
    {
        await using var c = await registry.DataSource.OpenConnectionAsync();
        var row = await c.QuerySingleAsync<(string Actor, string Details)>(
            "SELECT actor, details::text FROM registry.audit_log WHERE action = @action AND details->>'requestId' = @id",
            new { action, id = requestId.ToString("D") });
        return (row.Actor, JsonDocument.Parse(row.Details).RootElement.Clone());
    }

    [Fact]
    public async Task Adopting_an_unregistered_shadow_model_records_owner_and_deadline_audited_and_listed()
    {
        var digest = await SightedAsync();
        var untriaged = (await ListAsync(all: false)).EnumerateArray().Single(s => s.GetProperty("manifestDigest").GetString() == digest);
        Assert.Null(untriaged.GetProperty("triageStatus").GetString());
        Assert.Equal(25, untriaged.GetProperty("maxTrafficPercent").GetDouble());
        Assert.Equal(1, untriaged.GetProperty("servingNow").GetInt64());

        var request = Adopt(digest, registerBy: new DateTimeOffset(2030, 1, 31, 0, 0, 0, TimeSpan.Zero));
        var (exit, outcome, _) = await Cli_Specs.RunAsync(w => ShadowCommand.AdoptAsync(Settings, request, Wait, json: true, w, default));

        Assert.Equal(0, exit);
        Assert.Equal(("adopted", "event"), (outcome.GetProperty("outcome").GetString(), outcome.GetProperty("source").GetString()));
        var (actor, details) = await AuditAsync("shadow.adopted", request.RequestId);
        Assert.Equal((BrokerUsers.Operator, "risk-team", "adopted", "olivia"), (actor, details.GetProperty("owner").GetString(),
            details.GetProperty("outcome").GetString(), details.GetProperty("requestedBy").GetString()));
        // Adopted but not registered yet: still one to act on.
        var listed = (await ListAsync(all: false)).EnumerateArray().Single(s => s.GetProperty("manifestDigest").GetString() == digest);
        Assert.Equal(("adopted", "fraud-shadow", "risk-team", new DateTime(2030, 1, 31)),
            (listed.GetProperty("triageStatus").GetString(), listed.GetProperty("triageModel").GetString(), listed.GetProperty("owner").GetString(),
                listed.GetProperty("registerBy").GetDateTime()));
        var (_, _, text) = await Cli_Specs.RunAsync(w => ShadowCommand.ListAsync(Settings, false, json: false, w, default));
        Assert.Contains($"fraud-shadow, owner risk-team, register by 2030-01-31 00:00; by {BrokerUsers.Operator}", text);
    }

    [Fact]
    public async Task Dismissing_is_audited_with_its_reason_and_leaves_the_default_list()
    {
        var digest = await SightedAsync();
        var request = new DismissShadowModel { RequestId = Guid.NewGuid(), ManifestDigest = digest, Reason = "vendor model under contract V-12", RequestedBy = "raj" };

        var (exit, _, text) = await Cli_Specs.RunAsync(w => ShadowCommand.DismissAsync(Settings, request, Wait, json: false, w, default));

        Assert.Equal(0, exit);
        Assert.Equal($"dismissed: {digest} dismissed: vendor model under contract V-12", text.Trim());
        var (actor, details) = await AuditAsync("shadow.dismissed", request.RequestId);
        Assert.Equal((BrokerUsers.Operator, "vendor model under contract V-12", "raj"),
            (actor, details.GetProperty("reason").GetString(), details.GetProperty("requestedBy").GetString()));
        Assert.DoesNotContain((await ListAsync(all: false)).EnumerateArray(), s => s.GetProperty("manifestDigest").GetString() == digest);
        var all = (await ListAsync(all: true)).EnumerateArray().Single(s => s.GetProperty("manifestDigest").GetString() == digest);
        Assert.Equal(("dismissed", BrokerUsers.Operator), (all.GetProperty("triageStatus").GetString(), all.GetProperty("triagedBy").GetString()));
    }

    [Fact]
    public async Task Refused_triage_exits_4_with_its_reason_and_is_audited()
    {
        var digest = await SightedAsync();
        var noOwner = Adopt(digest, owner: null);
        var (exit, outcome, _) = await Cli_Specs.RunAsync(w => ShadowCommand.AdoptAsync(Settings, noOwner, Wait, json: true, w, default));
        Assert.Equal(PromotionCommands.ExitRefused, exit);
        Assert.Equal((RejectionReasons.MissingField, $"owner: required while no registered version has {digest} (who registers it as fraud-shadow)"),
            (outcome.GetProperty("reasonCode").GetString(), outcome.GetProperty("message").GetString()));
        Assert.Equal("missing_field", (await AuditAsync("shadow.refused", noOwner.RequestId)).Details.GetProperty("reasonCode").GetString());

        var never = NewDigest();
        var unknown = new DismissShadowModel { RequestId = Guid.NewGuid(), ManifestDigest = never, Reason = "not ours", RequestedBy = "raj" };
        var (unknownExit, _, text) = await Cli_Specs.RunAsync(w => ShadowCommand.DismissAsync(Settings, unknown, Wait, json: false, w, default));
        Assert.Equal(PromotionCommands.ExitRefused, unknownExit);
        Assert.Equal($"refused: unknown_digest: manifestDigest: no endpoint was ever seen serving {never} (see `mreg shadow list --all`)", text.Trim());
        var refused = await AuditAsync("shadow.refused", unknown.RequestId);
        Assert.Equal((BrokerUsers.Operator, "raj"), (refused.Actor, refused.Details.GetProperty("requestedBy").GetString()));
    }

    [Fact]
    public async Task Adopting_a_digest_registered_since_it_was_seen_links_it_to_that_version()
    {
        await registry.Observer.PublishAsync(registry.Pipeline.Trained("shadow-linked", "run-1"));
        var version = await registry.Observer.WaitForAsync<ModelVersionRegistered>(e => e.ModelName == "shadow-linked");
        // Seen serving before it was registered: the sighting predates the version.
        await using (var c = await registry.DataSource.OpenConnectionAsync())
            await c.ExecuteAsync("""
                INSERT INTO registry.endpoints (endpoint_id, environment, first_seen_at, last_event_at) VALUES ('shadow-early', 'production', @t, @t);
                INSERT INTO registry.shadow_sightings (endpoint_id, manifest_digest, environment, traffic_percent, first_seen_at, last_seen_at, detected_at)
                VALUES ('shadow-early', @digest, 'production', 100, @t, @t, @t)
                """, new { digest = version.ManifestDigest, t = T0.UtcDateTime });
        var request = Adopt(version.ManifestDigest, model: "shadow-linked", owner: null) with { RegisterBy = null };

        var (exit, outcome, _) = await Cli_Specs.RunAsync(w => ShadowCommand.AdoptAsync(Settings, request, Wait, json: true, w, default));

        Assert.Equal(0, exit);
        Assert.Equal(("linked", $"{version.ManifestDigest} is shadow-linked version 1: linked"),
            (outcome.GetProperty("outcome").GetString(), outcome.GetProperty("message").GetString()));
        await using var read = await registry.DataSource.OpenConnectionAsync();
        Assert.Equal(version.ModelVersionId, await read.ExecuteScalarAsync<Guid>(
            "SELECT version_id FROM registry.shadow_triage WHERE manifest_digest = @digest", new { digest = version.ManifestDigest }));
        Assert.Equal("linked", (await AuditAsync("shadow.adopted", request.RequestId)).Details.GetProperty("outcome").GetString());
    }
}
