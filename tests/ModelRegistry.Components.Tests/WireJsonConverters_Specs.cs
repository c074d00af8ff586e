using System.Text;
using System.Text.Json;
using ModelRegistry.Contracts;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Components.Tests;

/// <summary>
/// The converters the workers read messages with (<see cref="WireJsonConverters"/>): what System.Text.Json would refuse to read
/// (an unpaired surrogate) is read for the rules to refuse, what it would read wrongly (a timestamp without an offset, in the
/// host's time zone) is marked for them; everything else is read and written as System.Text.Json does.
/// </summary>
public class WireJsonConverters_Specs
{
    private static readonly JsonSerializerOptions Options = WireJsonConverters.AddTo(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    [Fact]
    public void A_string_escaping_an_unpaired_surrogate_is_read_as_it_says()
    {
        // Built in code: xunit would re-encode a lone surrogate in InlineData as U+FFFD.
        const string Json = """{"suite":"a\ud800b, \udc00 first, \n and \u00e9 and \"q\""}""";
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<EvaluationCompleted>(Json, JsonSerializerOptions.Web));

        Assert.Equal("a" + (char)0xD800 + "b, " + (char)0xDC00 + " first, \n and \u00e9 and \"q\"",
            JsonSerializer.Deserialize<EvaluationCompleted>(Json, Options)!.Suite);
    }

    [Fact]
    public void A_map_key_escaping_an_unpaired_surrogate_is_still_unreadable() =>
        // System.Text.Json reads dictionary keys itself before any converter (docs/messages.md: such a body goes to the error queue).
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<ModelTrained>("""{"tags":{"k\ud800":"v"}}""", Options));

    [Fact]
    public void A_string_that_is_not_utf8_is_still_unreadable()
    {
        byte[] invalid = [.. "{\"suite\":\"\\ud800 "u8, 0xC3, 0x28, (byte)'"', (byte)'}'];

        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<EvaluationCompleted>(invalid, Options));
    }

    [Theory]
    [InlineData("2026-11-26T12:00:00Z", "2026-11-26T12:00:00+00:00")]
    [InlineData("2026-11-26T13:00:00+01:00", "2026-11-26T13:00:00+01:00")]
    [InlineData("2026-11-26T07:00:00.1234567-05:00", "2026-11-26T07:00:00.1234567-05:00")]
    [InlineData("2026-11-26T12:00:00\\u002B01:00", "2026-11-26T12:00:00+01:00")]
    public void A_timestamp_with_an_offset_is_read_as_system_text_json_reads_it(string sent, string expected) =>
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture),
            JsonSerializer.Deserialize<ModelTrained>($$"""{"trainedAt":"{{sent}}"}""", Options)!.TrainedAt);

    [Theory]
    [InlineData("2026-11-26T12:00:00")]
    [InlineData("2026-11-26T12:00:00.123")]
    [InlineData("2026-11-26")]
    public void A_timestamp_without_an_offset_is_marked_for_the_rules(string sent) =>
        Assert.Equal(FieldRules.TimestampWithoutOffset, JsonSerializer.Deserialize<ModelTrained>($$"""{"trainedAt":"{{sent}}"}""", Options)!.TrainedAt);

    [Fact]
    public void A_malformed_timestamp_is_still_unreadable() =>
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<ModelTrained>("""{"trainedAt":"yesterday"}""", Options));

    [Fact]
    public void What_the_registry_writes_is_unchanged()
    {
        var registered = new ModelVersionRegistered
        {
            ModelName = "m", Version = 1, ModelVersionId = Guid.NewGuid(), ManifestDigest = "sha256:x", IdempotencyKey = "k\u00e9", TrainingRunId = "r",
            RegisteredAt = new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.FromHours(1)),
        };

        Assert.Equal(JsonSerializer.Serialize(registered, JsonSerializerOptions.Web), JsonSerializer.Serialize(registered, Options));
    }
}
