using System.Text.Json;
using ModelRegistry.Cli;
using static ModelRegistry.Testing.DeploymentScript;

namespace ModelRegistry.Host.Tests;

/// <summary>
/// <c>mreg trace</c>, <c>deployments list</c>, <c>where</c>, <c>production</c> and the serving column of <c>models list</c>
/// against a known history (see <see cref="HistorySeed"/>). Commands run in-process; assertions are on their JSON.
/// </summary>
public class DeploymentCli_Specs(HistorySeed seed) : IClassFixture<HistorySeed>
{
    private async Task<List<(string Deployment, double Traffic, bool Registered)>> TraceAsync(string endpoint, DateTimeOffset at)
    {
        var (exit, json, _) = await Cli_Specs.RunAsync(w => TraceCommand.RunAsync(seed.Settings, endpoint, at, json: true, w, default));
        Assert.Equal(0, exit);
        Assert.Equal(endpoint, json.GetProperty("endpointId").GetString());
        return json.GetProperty("intervals").EnumerateArray()
            .Select(i => (i.GetProperty("deploymentId").GetString()!, i.GetProperty("trafficPercent").GetDouble(), i.GetProperty("registered").GetBoolean()))
            .ToList();
    }

    [Fact]
    public async Task Trace_shows_an_interval_at_its_start_and_not_at_its_end_where_the_next_one_is_shown()
    {
        // d1 served 100 % on [0, 5), then 40 % on [5, 10); d2 60 % from 5.
        Assert.Equal([("d1", 100.0, true)], await TraceAsync("fraud.prod-eu", At(0)));
        Assert.Equal([("d1", 100.0, true)], await TraceAsync("fraud.prod-eu", At(5).AddTicks(-10))); // the last microsecond before 5
        Assert.Equal([("d2", 60.0, true), ("d1", 40.0, true)], await TraceAsync("fraud.prod-eu", At(5)));
        // The same instant written with another offset.
        Assert.Equal([("d2", 60.0, true), ("d1", 40.0, true)], await TraceAsync("fraud.prod-eu", At(5).ToOffset(TimeSpan.FromHours(2))));
        Assert.Equal([("d2", 60.0, true), ("d3", 10.0, false)], await TraceAsync("fraud.prod-eu", At(10)));
        Assert.Equal([("d1", 100.0, true), ("observed:" + UnknownDigest('d'), 5, false)], await TraceAsync("fraud.prod-eu", At(20)));
        Assert.Empty(await TraceAsync("fraud.prod-eu", At(0).AddTicks(-10)));
    }

    [Fact]
    public async Task Trace_names_the_version_digest_and_interval_and_says_unregistered_for_an_unknown_digest()
    {
        var (_, json, _) = await Cli_Specs.RunAsync(w => TraceCommand.RunAsync(seed.Settings, "fraud.prod-eu", At(12), json: true, w, default));
        var intervals = json.GetProperty("intervals").EnumerateArray().ToDictionary(i => i.GetProperty("deploymentId").GetString()!);
        var d2 = intervals["d2"];
        Assert.Equal((HistorySeed.Model, 2, seed.Versions[1].ManifestDigest, seed.Versions[1].ModelVersionId),
            (d2.GetProperty("modelName").GetString(), d2.GetProperty("version").GetInt32(), d2.GetProperty("manifestDigest").GetString(),
                d2.GetProperty("versionId").GetGuid()));
        Assert.Equal((At(5), At(20), "reported"),
            (d2.GetProperty("from").GetDateTimeOffset(), d2.GetProperty("to").GetDateTimeOffset(), d2.GetProperty("source").GetString()));
        var observed = intervals["observed:" + UnknownDigest('d')];
        Assert.Equal(("observed", false, JsonValueKind.Null), (observed.GetProperty("source").GetString(), observed.GetProperty("registered").GetBoolean(),
            observed.GetProperty("versionId").ValueKind));

        var (_, _, text) = await Cli_Specs.RunAsync(w => TraceCommand.RunAsync(seed.Settings, "fraud.prod-eu", At(12), json: false, w, default));
        Assert.StartsWith("on fraud.prod-eu at 2026-02-01 09:12:00Z:", text);
        Assert.Contains($"d2                   {HistorySeed.Model}/2                   60%", text);
        // An interval a heartbeat opened has no deployment id of the platform's: its digest says what it is.
        Assert.Contains($"(observed)           unregistered                      5%  2026-02-01 09:12:00Z  2026-02-01 09:25:00Z  observed {UnknownDigest('d')}", text);
        Assert.Contains($"d3                   unregistered                     10%  2026-02-01 09:08:00Z  2026-02-01 09:15:00Z  reported {UnknownDigest('c')}", text);
    }

    [Fact]
    public async Task Trace_of_an_endpoint_never_heard_of_exits_1_and_an_instant_without_offset_is_refused_with_exit_2()
    {
        var (exit, _, output) = await Cli_Specs.RunAsync(w => TraceCommand.RunAsync(seed.Settings, "no-such-endpoint", At(0), json: true, w, default));
        Assert.Equal((1, ""), (exit, output));

        using var error = new StringWriter();
        Assert.Equal(MregCommand.ExitBadArguments, await MregCommand.RunAsync(["trace", "--endpoint", "fraud.prod-eu", "--at", "2026-02-01T09:05:00"], error));
        Assert.StartsWith("mreg: --at 2026-02-01T09:05:00: expected an ISO 8601 time with a UTC offset", error.ToString());
        Assert.Null(TraceCommand.ParseInstant("2026-02-01"));
        Assert.Null(TraceCommand.ParseInstant("yesterday"));
        Assert.Equal(At(5), TraceCommand.ParseInstant("2026-02-01T10:05:00+01:00"));
        Assert.Equal(At(5), TraceCommand.ParseInstant("2026-02-01T09:05:00Z"));
    }

    [Fact]
    public async Task Deployments_list_gives_the_newest_intervals_first_by_endpoint_or_model()
    {
        var (exit, json, _) = await Cli_Specs.RunAsync(w => DeploymentsCommand.ListAsync(seed.Settings, "fraud.prod-eu", null, 3, json: true, w, default));
        Assert.Equal(0, exit);
        Assert.Equal([("d1", 20), ("observed:" + UnknownDigest('d'), 12), ("d3", 8)],
            json.EnumerateArray().Select(i => (i.GetProperty("deploymentId").GetString(), (int)(i.GetProperty("from").GetDateTimeOffset() - T0).TotalMinutes)));

        var (_, byModel, _) = await Cli_Specs.RunAsync(w => DeploymentsCommand.ListAsync(seed.Settings, null, HistorySeed.Model, 50, json: true, w, default));
        // Newest start first; at one start, by endpoint and deployment. Intervals of no registered version (d3, observed) are not the model's.
        Assert.Equal(["fraud.prod-eu d1 20", "fraud.prod-eu d1 5", "fraud.prod-eu d2 5", "fraud.prod-eu d1 0", "fraud.prod-us u1 0", "fraud.staging s1 0"],
            byModel.EnumerateArray().Select(i => $"{i.GetProperty("endpointId").GetString()} {i.GetProperty("deploymentId").GetString()} "
                + (int)(i.GetProperty("from").GetDateTimeOffset() - T0).TotalMinutes));
    }

    [Fact]
    public async Task Where_lists_every_interval_of_a_version_with_how_long_it_served_and_marks_those_serving_now()
    {
        var (exit, json, _) = await Cli_Specs.RunAsync(w => WhereCommand.RunAsync(seed.Settings, HistorySeed.Model, 1, At(60).UtcDateTime, json: true, w, default));
        Assert.Equal(0, exit);
        var rows = json.EnumerateArray().Select(r => (
            r.GetProperty("interval").GetProperty("endpointId").GetString(), r.GetProperty("interval").GetProperty("trafficPercent").GetDouble(),
            r.GetProperty("servedSeconds").GetDouble(), r.GetProperty("servingNow").GetBoolean())).ToList();
        Assert.Equal(
        [
            ("fraud.prod-eu", 100.0, 300.0, false),
            ("fraud.prod-us", 90, 3600, true),
            ("fraud.prod-eu", 40, 300, false),
            ("fraud.prod-eu", 100, 2400, true),
        ], rows);

        var (_, _, text) = await Cli_Specs.RunAsync(w => WhereCommand.RunAsync(seed.Settings, HistorySeed.Model, 1, At(60).UtcDateTime, json: false, w, default));
        Assert.StartsWith($"{HistorySeed.Model} v1: 4 interval(s), serving now on 2 endpoint(s)", text);
        Assert.Contains("1h 00m    SERVING", text);
        var (unknown, _, _) = await Cli_Specs.RunAsync(w => WhereCommand.RunAsync(seed.Settings, HistorySeed.Model, 9, DateTime.UtcNow, json: true, w, default));
        Assert.Equal(1, unknown);
        var (_, never, _) = await Cli_Specs.RunAsync(w => WhereCommand.RunAsync(seed.Settings, "other-model", 1, DateTime.UtcNow, json: true, w, default));
        Assert.Equal(0, never.GetArrayLength());
    }

    [Fact]
    public async Task Production_lists_what_serves_on_production_endpoints_now_registered_or_not()
    {
        var (exit, json, _) = await Cli_Specs.RunAsync(w => ProductionCommand.RunAsync(seed.Settings, json: true, w, default));
        Assert.Equal(0, exit);
        Assert.Equal([("fraud.prod-eu", "d1", true), ("fraud.prod-us", "u1", true), ("fraud.prod-us", "u2", false)],
            json.EnumerateArray().Select(i => (i.GetProperty("endpointId").GetString(), i.GetProperty("deploymentId").GetString(), i.GetProperty("registered").GetBoolean())));

        var (_, _, text) = await Cli_Specs.RunAsync(w => ProductionCommand.RunAsync(seed.Settings, json: false, w, default));
        Assert.StartsWith("3 serving on 2 production endpoint(s), 1 unregistered", text);
        Assert.Contains($"fraud.prod-us                u2                   UNREGISTERED                     10%  2026-02-01 09:00:00Z  reported {UnknownDigest('e')}", text);
        Assert.DoesNotContain("fraud.staging", text);
    }

    [Fact]
    public async Task Models_list_says_how_many_endpoints_serve_each_model_now_by_environment()
    {
        var (_, json, text) = await Cli_Specs.RunAsync(w => ModelsCommand.ListAsync(seed.Settings, [], null, json: true, w, default));
        var models = json.EnumerateArray().ToDictionary(m => m.GetProperty("name").GetString()!, m => m.GetProperty("serving"));
        Assert.Equal("""{"production":2,"staging":1}""", models[HistorySeed.Model].GetRawText().Replace(" ", "").Replace("\n", ""));
        Assert.Empty(models["other-model"].EnumerateObject());

        var (_, _, plain) = await Cli_Specs.RunAsync(w => ModelsCommand.ListAsync(seed.Settings, [], null, json: false, w, default));
        Assert.Contains("serving (endpoints)", plain);
        Assert.Contains("production 2, staging 1", plain);
    }
}
