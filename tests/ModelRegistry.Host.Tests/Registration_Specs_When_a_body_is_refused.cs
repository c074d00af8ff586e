using System.Text;
using System.Text.Json;
using ModelRegistry.Cli;
using ModelRegistry.Contracts;
using ModelRegistry.Testing;

namespace ModelRegistry.Host.Tests;

/// <summary>
/// Refusals as a pipeline author reads them (docs/messages.md), for plain JSON published as a Python pipeline would: the reason
/// code the docs give, the field as a camelCase JSON path, the idempotency key as sent or derived, and the refused message kept
/// for <c>mreg rejections list</c>. Also what is not refused: a valid body whatever its content type.
/// </summary>
public class Registration_Specs_When_a_body_is_refused(RunningRegistry registry) : IClassFixture<RunningRegistry>
{
    private static readonly JsonSerializerOptions Wire = new(JsonSerializerDefaults.Web);

    private PlainBroker Broker => new(registry.RabbitMq);

    [Fact]
    public async Task Each_refusal_has_the_documented_code_the_json_path_and_the_key_and_is_listed()
    {
        var blankName = Trained("blank-name", "key-blank") with { ModelName = "   " };
        var hostile = Trained("hostile-query", key: null);
        hostile = hostile with { Artifact = new ArtifactManifest { Files = [hostile.Artifact!.Files[0] with { SourceUri = hostile.Artifact.Files[0].SourceUri + "?x=1" }] } };
        var upperDigest = Trained("upper-digest", "key-upper");
        upperDigest = upperDigest with { Artifact = new ArtifactManifest { Files = [upperDigest.Artifact!.Files[0] with { Sha256 = new string('A', 64) }] } };
        var surrogate = Text(Trained("lone-surrogate", "key-surrogate") with { Description = "MARK" }).Replace("\"MARK\"", "\"lone \\ud800 surrogate\"");
        var localTime = Trained("local-time", "key-local");
        var localTimeJson = Text(localTime).Replace(JsonSerializer.Serialize(localTime.TrainedAt, Wire), "\"2026-11-26T11:42:17\"");

        foreach (var body in new[] { Text(blankName), Text(hostile), Text(upperDigest), surrogate, localTimeJson })
            await Broker.PublishBytesAsync(PlainBroker.TrainedExchange, Encoding.UTF8.GetBytes(body), Guid.NewGuid());

        await AssertRefusedAsync("key-blank", "missing_field", "modelName: required");
        await AssertRefusedAsync("run-hostile-query:hostile-query", "unsupported_source", "artifact.files[0].sourceUri: ");
        await AssertRefusedAsync("key-upper", "invalid_value", "artifact.files[0].sha256: ");
        await AssertRefusedAsync("key-surrogate", "invalid_value", "description: contains an unpaired UTF-16 surrogate at index 5");
        await AssertRefusedAsync("key-local", "invalid_value", "trainedAt: the timestamp has no UTC offset");
        Assert.Equal(0u, (await Broker.QueuesAsync(["registration_error"])).Single().Messages);

        var settings = new CliSettings(registry.RabbitMq, registry.Database);
        var (exit, listed, _) = await Cli_Specs.RunAsync(w => RejectionsCommand.ListAsync(settings, "registration", 50, json: true, w, default));
        Assert.Equal(0, exit);
        var rows = listed.EnumerateArray().ToList();
        Assert.Equal(["   ", "hostile-query", "local-time", "lone-surrogate", "upper-digest"],
            rows.Select(r => r.GetProperty("subject").GetString()).Order(StringComparer.Ordinal));
        var local = rows.Single(r => r.GetProperty("subject").GetString() == "local-time");
        Assert.Equal(("registration", "invalid_value"), (local.GetProperty("kind").GetString(), local.GetProperty("reasonCode").GetString()));
        Assert.Equal("key-local", local.GetProperty("payload").GetProperty("idempotencyKey").GetString());
        var (_, _, table) = await Cli_Specs.RunAsync(w => RejectionsCommand.ListAsync(settings, null, 50, json: false, w, default));
        Assert.Contains("registration invalid_value         local-time", table, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rejections_list_filters_by_kind()
    {
        var evaluation = new EvaluationCompleted
        {
            EvaluationId = Guid.NewGuid(), ModelName = "never-registered", Version = 3, Suite = "accuracy", EvaluatedAt = DateTimeOffset.UtcNow,
        };
        await Broker.PublishJsonAsync("mreg.evaluation-completed", evaluation);
        var rejected = await registry.Observer.WaitForAsync<EvaluationRejected>(e => e.EvaluationId == evaluation.EvaluationId);
        Assert.Equal("modelName, version: never-registered version 3 is not registered", rejected.Message);

        var (exit, listed, _) = await Cli_Specs.RunAsync(w =>
            RejectionsCommand.ListAsync(new CliSettings(registry.RabbitMq, registry.Database), "evaluation", 50, json: true, w, default));

        Assert.Equal(0, exit);
        var row = Assert.Single(listed.EnumerateArray());
        Assert.Equal(("never-registered v3", "unknown_model_version"), (row.GetProperty("subject").GetString(), row.GetProperty("reasonCode").GetString()));
        Assert.Equal(evaluation.EvaluationId, row.GetProperty("payload").GetProperty("evaluationId").GetGuid());
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/octet-stream")]
    [InlineData(null)]
    public async Task A_valid_body_is_registered_whatever_its_content_type_says(string? contentType)
    {
        var model = "content-" + (contentType ?? "none").Replace('/', '-');
        await Broker.PublishBytesAsync(PlainBroker.TrainedExchange, Encoding.UTF8.GetBytes(Text(Trained(model, key: null))), Guid.NewGuid(), contentType);

        var registered = await registry.Observer.WaitForAsync<ModelVersionRegistered>(e => e.ModelName == model);
        Assert.Equal(1, registered.Version);
    }

    private ModelTrained Trained(string model, string? key) => registry.Pipeline.Trained(model, "run-" + model, key);

    private static string Text(ModelTrained m) => JsonSerializer.Serialize(m, Wire);

    private async Task AssertRefusedAsync(string key, string reasonCode, string message)
    {
        var rejected = await registry.Observer.WaitForAsync<ModelRegistrationRejected>(e => e.IdempotencyKey == key, TimeSpan.FromSeconds(30));
        Assert.Equal(reasonCode, rejected.ReasonCode);
        Assert.StartsWith(message, rejected.Message, StringComparison.Ordinal);
    }
}
