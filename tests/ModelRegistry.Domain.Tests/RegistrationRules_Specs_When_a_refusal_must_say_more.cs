using ModelRegistry.Contracts;
using ModelRegistry.Evaluation.Rules;
using ModelRegistry.Platform.Rules;
using ModelRegistry.Registration.Rules;

namespace ModelRegistry.Domain.Tests;

/// <summary>
/// Refusals as docs/messages.md promises them: a blank name is missing (not an invalid name), a timestamp without a UTC offset is
/// an invalid value (read as <see cref="FieldRules.TimestampWithoutOffset"/>), and a refused message still carries the idempotency
/// key it had or can be derived from.
/// </summary>
public class RegistrationRules_Specs_When_a_refusal_must_say_more
{
    [Theory]
    [InlineData(" ")]
    [InlineData("   ")]
    [InlineData("\t\n")]
    public void A_name_of_whitespace_only_is_missing(string blank)
    {
        Assert.Equal(new Rejection(RejectionReasons.MissingField, "modelName: required"), RegistrationRules.Validate(Valid.Model(m => m with { ModelName = blank })));
        Assert.Equal(new Rejection(RejectionReasons.MissingField, "ownerTeam: required"), RegistrationRules.Validate(Valid.Model(m => m with { OwnerTeam = blank })));
        Assert.Equal(RejectionReasons.MissingField, EvaluationRules.Validate(ValidEvaluation() with { Suite = blank })?.ReasonCode);
    }

    [Fact]
    public void A_trained_at_without_a_utc_offset_is_an_invalid_value()
    {
        var refusal = RegistrationRules.Validate(Valid.Model(m => m with { TrainedAt = FieldRules.TimestampWithoutOffset }));

        Assert.Equal(RejectionReasons.InvalidValue, refusal?.ReasonCode);
        Assert.StartsWith("trainedAt: the timestamp has no UTC offset", refusal!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_evaluated_at_without_a_utc_offset_is_an_invalid_value() =>
        Assert.StartsWith("evaluatedAt: the timestamp has no UTC offset",
            EvaluationRules.Validate(ValidEvaluation() with { EvaluatedAt = FieldRules.TimestampWithoutOffset })?.Message, StringComparison.Ordinal);

    [Fact]
    public void A_description_with_an_unpaired_surrogate_is_an_invalid_value_naming_the_json_path()
    {
        var refusal = RegistrationRules.Validate(Valid.Model(m => m with { Description = "lone " + (char)0xD800 }));

        Assert.Equal(new Rejection(RejectionReasons.InvalidValue, "description: contains an unpaired UTF-16 surrogate at index 5"), refusal);
    }

    [Fact]
    public void A_refused_message_keeps_the_key_it_was_sent_with() =>
        Assert.Equal("pipeline/key-7", RegistrationRules.KeyOfRefused(Valid.Model(m => m with { IdempotencyKey = "pipeline/key-7", RiskTier = "extreme" })));

    [Fact]
    public void A_refused_message_without_a_key_carries_the_derived_one() =>
        Assert.Equal("run-1:Bad Name", RegistrationRules.KeyOfRefused(Valid.Model(m => m with { IdempotencyKey = null, ModelName = "Bad Name" })));

    [Theory]
    [InlineData(null, "fraud-detector")]
    [InlineData("run-1", " ")]
    public void A_refused_message_without_a_key_or_what_derives_it_carries_none(string? runId, string model)
    {
        var m = Valid.Model(x => x with { IdempotencyKey = "", ModelName = model });
        Assert.Null(RegistrationRules.KeyOfRefused(runId is null ? m with { Lineage = null } : m));
    }

    private static EvaluationCompleted ValidEvaluation() => new()
    {
        EvaluationId = Guid.NewGuid(), ModelName = "fraud-detector", Version = 1, Suite = "accuracy", EvaluatedAt = DateTimeOffset.UtcNow,
    };
}
