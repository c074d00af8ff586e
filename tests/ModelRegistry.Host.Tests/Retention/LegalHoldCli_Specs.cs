using System.Text.Json;
using Dapper;
using ModelRegistry.Cli;
using ModelRegistry.Contracts;
using ModelRegistry.Contracts.Retention;
using ModelRegistry.Retention;
using ModelRegistry.Retention.Rules;
using ModelRegistry.Testing;

namespace ModelRegistry.Host.Tests.Retention;

/// <summary>
/// <c>mreg hold place | release | list</c> against a real host: the command goes through the broker to the retention
/// worker and back as LegalHoldChanged. The CLI connects as the operator (legal-hold role in the development policy): the
/// principal is placed_by / released_by and the audit actor, the body's requestedBy information. Every refusal is answered
/// and audited hold.refused.
/// </summary>
public class LegalHoldCli_Specs(RunningRegistry registry) : IClassFixture<RunningRegistry>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    private CliSettings Settings => new(registry.As(BrokerUsers.Operator), registry.Database);

    private async Task RegisterAsync(string model, int versions = 1)
    {
        for (var v = 1; v <= versions; v++)
        {
            await registry.Observer.PublishAsync(registry.Pipeline.Trained(model, $"run-{v}"));
            await registry.Observer.WaitForAsync<ModelVersionRegistered>(e => e.ModelName == model && e.Version == v, Wait);
        }
    }

    private static PlaceLegalHold Place(string model, int? version = null, string reason = "matter 2026-114") => new()
    {
        RequestId = Guid.NewGuid(), ModelName = model, Version = version, Reason = reason, RequestedBy = "olivia",
    };

    private static ReleaseLegalHold Release(Guid hold, string reason = "matter closed") => new()
    {
        RequestId = Guid.NewGuid(), HoldId = hold, Reason = reason, RequestedBy = "olivia",
    };

    private Task<(int Exit, JsonElement Json, string Text)> PlaceAsync(PlaceLegalHold request, CliSettings? settings = null, bool json = true) =>
        Cli_Specs.RunAsync(w => HoldCommand.PlaceAsync(settings ?? Settings, request, Wait, json, w, default));

    private Task<(int Exit, JsonElement Json, string Text)> ReleaseAsync(ReleaseLegalHold request, bool json = true) =>
        Cli_Specs.RunAsync(w => HoldCommand.ReleaseAsync(Settings, request, Wait, json, w, default));

    private async Task<JsonElement[]> ListAsync(bool all)
    {
        var (exit, json, _) = await Cli_Specs.RunAsync(w => HoldCommand.ListAsync(Settings, all, json: true, w, default));
        Assert.Equal(0, exit);
        return [.. json.EnumerateArray()];
    }

    private async Task<List<(string Actor, string Subject, JsonElement Details)>> AuditAsync(string action, Guid requestId)
    {
        await using var c = await registry.DataSource.OpenConnectionAsync();
        var rows = await c.QueryAsync<(string Actor, string Subject, string Details)>(
            "SELECT actor, subject, details::text FROM registry.audit_log WHERE action = @action AND details->>'requestId' = @id ORDER BY sequence",
            new { action, id = requestId.ToString("D") });
        return rows.Select(r => (r.Actor, r.Subject, JsonDocument.Parse(r.Details).RootElement.Clone())).ToList();
    }

    [Fact]
    public async Task Placing_on_a_model_and_on_a_version_records_the_principal_audits_and_lists_them()
    {
        await RegisterAsync("hold-fraud", versions: 2);
        var model = Place("hold-fraud");
        var (exit, outcome, _) = await PlaceAsync(model);
        Assert.Equal(0, exit);
        Assert.Equal(("placed", "event", model.RequestId.ToString("D")),
            (outcome.GetProperty("outcome").GetString(), outcome.GetProperty("source").GetString(), outcome.GetProperty("holdId").GetString()));

        var version = Place("hold-fraud", 2, "subpoena 7");
        var (versionExit, _, text) = await PlaceAsync(version, json: false);
        Assert.Equal(0, versionExit);
        Assert.Equal($"placed: hold {version.RequestId:D} placed on hold-fraud version 2: subpoena 7", text.Trim());

        await using (var c = await registry.DataSource.OpenConnectionAsync())
        {
            var row = await c.QuerySingleAsync<(string PlacedBy, string Reason, int? Version)>("""
                SELECT h.placed_by, h.reason, v.version FROM registry.legal_holds h LEFT JOIN registry.model_versions v ON v.version_id = h.version_id
                WHERE h.hold_id = @id
                """, new { id = version.RequestId });
            Assert.Equal((BrokerUsers.Operator, "subpoena 7", (int?)2), row);
        }
        var placed = Assert.Single(await AuditAsync("hold.placed", model.RequestId));
        Assert.Equal((BrokerUsers.Operator, model.RequestId.ToString("D"), "olivia", "matter 2026-114"),
            (placed.Actor, placed.Subject, placed.Details.GetProperty("requestedBy").GetString(), placed.Details.GetProperty("reason").GetString()));

        var open = (await ListAsync(all: false)).Where(h => h.GetProperty("modelName").GetString() == "hold-fraud").ToList();
        Assert.Equal([(model.RequestId, (int?)null), (version.RequestId, 2)],
            open.Select(h => (h.GetProperty("holdId").GetGuid(), h.GetProperty("version").ValueKind == JsonValueKind.Null ? null : (int?)h.GetProperty("version").GetInt32())));
        var (_, _, listed) = await Cli_Specs.RunAsync(w => HoldCommand.ListAsync(Settings, false, json: false, w, default));
        Assert.Contains($"{model.RequestId}  hold-fraud", listed);
        Assert.Contains($"{BrokerUsers.Operator,-20} matter 2026-114", listed);
    }

    [Fact]
    public async Task The_same_request_id_again_is_the_same_request_one_hold_one_record()
    {
        await RegisterAsync("hold-twice");
        var request = Place("hold-twice");
        Assert.Equal(0, (await PlaceAsync(request)).Exit);

        // No second answer: mreg finds the first in the audit log.
        var (exit, again, _) = await PlaceAsync(request);

        Assert.Equal(0, exit);
        Assert.Equal(("placed", "database"), (again.GetProperty("outcome").GetString(), again.GetProperty("source").GetString()));
        await using var c = await registry.DataSource.OpenConnectionAsync();
        Assert.Equal(1, await c.ExecuteScalarAsync<long>("SELECT count(*) FROM registry.legal_holds WHERE hold_id = @id", new { id = request.RequestId }));
        Assert.Single(await AuditAsync("hold.placed", request.RequestId));
    }

    [Fact]
    public async Task Releasing_closes_the_hold_once_audited_and_only_all_lists_it_then()
    {
        await RegisterAsync("hold-release");
        var place = Place("hold-release");
        Assert.Equal(0, (await PlaceAsync(place)).Exit);

        var release = Release(place.RequestId);
        var (exit, _, text) = await ReleaseAsync(release, json: false);

        Assert.Equal(0, exit);
        Assert.Equal($"released: hold {place.RequestId:D} on hold-release (every version) released: matter closed", text.Trim());
        var released = Assert.Single(await AuditAsync("hold.released", release.RequestId));
        Assert.Equal((BrokerUsers.Operator, place.RequestId.ToString("D")), (released.Actor, released.Subject));
        Assert.DoesNotContain(await ListAsync(all: false), h => h.GetProperty("holdId").GetGuid() == place.RequestId);
        var all = (await ListAsync(all: true)).Single(h => h.GetProperty("holdId").GetGuid() == place.RequestId);
        Assert.Equal((BrokerUsers.Operator, "matter closed"), (all.GetProperty("releasedBy").GetString(), all.GetProperty("releaseReason").GetString()));

        var twice = Release(place.RequestId);
        var (twiceExit, refused, _) = await ReleaseAsync(twice);
        Assert.Equal(PromotionCommands.ExitRefused, twiceExit);
        Assert.Equal(LegalHoldRules.AlreadyReleased, refused.GetProperty("reasonCode").GetString());
        Assert.Equal(LegalHoldRules.AlreadyReleased, Assert.Single(await AuditAsync("hold.refused", twice.RequestId)).Details.GetProperty("reasonCode").GetString());
    }

    public static TheoryData<string, string> Refusals => new()
    {
        { "unknown model", RejectionReasons.UnknownModel },
        { "unknown version", LegalHoldRules.UnknownVersion },
        { "unknown hold", LegalHoldRules.UnknownHold },
        { "missing reason", RejectionReasons.InvalidValue },
        { "oversized reason", RejectionReasons.InvalidValue },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task A_refused_request_exits_4_with_its_reason_answered_and_audited(string situation, string code)
    {
        await RegisterAsync("hold-refusals-" + situation.Replace(' ', '-'));
        var model = "hold-refusals-" + situation.Replace(' ', '-');
        var (exit, outcome, requestId) = situation switch
        {
            "unknown model" => await Placed(Place("hold-nobody")),
            "unknown version" => await Placed(Place(model, 9)),
            "missing reason" => await Placed(Place(model, reason: "")),
            "oversized reason" => await Placed(Place(model, reason: new string('r', 1001))),
            _ => await Released(Release(Guid.NewGuid())),
        };

        Assert.Equal(PromotionCommands.ExitRefused, exit);
        Assert.Equal(("refused", code), (outcome.GetProperty("outcome").GetString(), outcome.GetProperty("reasonCode").GetString()));
        var audited = Assert.Single(await AuditAsync("hold.refused", requestId));
        Assert.Equal((BrokerUsers.Operator, code), (audited.Actor, audited.Details.GetProperty("reasonCode").GetString()));
        await using var c = await registry.DataSource.OpenConnectionAsync();
        Assert.Equal(0, await c.ExecuteScalarAsync<long>("SELECT count(*) FROM registry.legal_holds WHERE hold_id = @id", new { id = requestId }));

        async Task<(int, JsonElement, Guid)> Placed(PlaceLegalHold r) { var (e, j, _) = await PlaceAsync(r); return (e, j, r.RequestId); }
        async Task<(int, JsonElement, Guid)> Released(ReleaseLegalHold r) { var (e, j, _) = await ReleaseAsync(r); return (e, j, r.RequestId); }
    }

    [Fact]
    public async Task A_person_without_the_legal_hold_role_is_refused_not_permitted_and_audited_as_themselves()
    {
        await RegisterAsync("hold-dave");
        // dave: a person's broker user with the operator's broker permissions, whom the access policy grants nothing.
        var dave = new CliSettings(await registry.PersonAsync("dave"), registry.Database);
        var request = Place("hold-dave");

        var (exit, outcome, _) = await PlaceAsync(request, dave);

        Assert.Equal(PromotionCommands.ExitRefused, exit);
        Assert.Equal((RejectionReasons.NotPermitted, "dave may not place legal holds (role 'legal-hold') under the access policy (docs/security.md)"),
            (outcome.GetProperty("reasonCode").GetString(), outcome.GetProperty("message").GetString()));
        var audited = Assert.Single(await AuditAsync("hold.refused", request.RequestId));
        Assert.Equal(("dave", "olivia"), (audited.Actor, audited.Details.GetProperty("requestedBy").GetString()));
        Assert.DoesNotContain(await ListAsync(all: true), h => h.GetProperty("holdId").GetGuid() == request.RequestId);
    }

    [Fact]
    public async Task A_request_without_user_id_or_without_request_id_is_refused_answered_and_audited()
    {
        await RegisterAsync("hold-anonymous");
        var anonymous = Place("hold-anonymous");
        await registry.Observer.PublishAnonymouslyAsync(anonymous);
        var unauthenticated = await registry.Observer.WaitForAsync<LegalHoldChanged>(e => e.RequestId == anonymous.RequestId, Wait);
        Assert.Equal(("refused", RejectionReasons.Unauthenticated, (string?)null), (unauthenticated.Outcome, unauthenticated.ReasonCode, unauthenticated.By));
        Assert.Equal("svc:retention", Assert.Single(await AuditAsync("hold.refused", anonymous.RequestId)).Actor);

        var noId = Place("hold-anonymous", reason: "no request id") with { RequestId = Guid.Empty };
        await registry.Observer.PublishAsync(noId);
        var invalid = await registry.Observer.WaitForAsync<LegalHoldChanged>(e => e.RequestId == Guid.Empty && e.ModelName == "hold-anonymous", Wait);
        Assert.Equal(("refused", RejectionReasons.InvalidValue), (invalid.Outcome, invalid.ReasonCode));
        Assert.StartsWith("requestId: required", invalid.Message);
        await using var c = await registry.DataSource.OpenConnectionAsync();
        Assert.Equal(1, await c.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM registry.audit_log WHERE action = 'hold.refused' AND model_name = 'hold-anonymous' AND details->>'reasonCode' = 'invalid_value'"));
        Assert.Equal(0, await c.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM registry.legal_holds h JOIN registry.models m ON m.model_id = h.model_id WHERE m.name = 'hold-anonymous'"));
    }
}
