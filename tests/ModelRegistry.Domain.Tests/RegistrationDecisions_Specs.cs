using ModelRegistry.Contracts;
using ModelRegistry.Platform.Rules;
using ModelRegistry.Registration.Rules;

namespace ModelRegistry.Domain.Tests;

/// <summary>What a group of registrations comes to, decided from what its transaction read: no database.</summary>
public class RegistrationDecisions_Specs
{
    private const string DigestA = "sha256:aaaa";
    private const string DigestB = "sha256:bbbb";

    // ---- numbering ----

    [Fact]
    public void A_new_model_gets_version_1()
    {
        var read = Read(("fraud", 1));
        var decided = RegistrationDecisions.Decide([Call("fraud", "run-1:fraud")], read);

        var d = Assert.Single(decided.Decisions);
        Assert.Equal(RegistrationVerdict.Registered, d.Verdict);
        Assert.Equal(1, d.Version);
        Assert.Null(d.BaseVersionId);
        Assert.Null(d.BaseMadeBy);
        Assert.Equal(2, decided.NextVersions["fraud"]);
    }

    [Fact]
    public void An_existing_model_continues_its_numbering()
    {
        var decided = RegistrationDecisions.Decide([Call("fraud", "run-8:fraud")], Read(("fraud", 8)));

        Assert.Equal(RegistrationVerdict.Registered, decided.Decisions[0].Verdict);
        Assert.Equal(8, decided.Decisions[0].Version);
        Assert.Equal(9, decided.NextVersions["fraud"]);
    }

    [Fact]
    public void Registrations_of_one_model_in_one_group_get_consecutive_numbers_in_arrival_order()
    {
        var read = Read(("fraud", 1), ("churn", 4));
        var decided = RegistrationDecisions.Decide(
            [Call("fraud", "k1"), Call("churn", "k1"), Call("fraud", "k2"), Call("fraud", "k3"), Call("churn", "k2")], read);

        Assert.All(decided.Decisions, d => Assert.Equal(RegistrationVerdict.Registered, d.Verdict));
        Assert.Equal([1, 4, 2, 3, 5], decided.Decisions.Select(d => d.Version));
        Assert.Equal(4, decided.NextVersions["fraud"]);
        Assert.Equal(6, decided.NextVersions["churn"]);
    }

    [Fact]
    public void What_was_read_is_not_changed()
    {
        var read = Read(("fraud", 3));
        RegistrationDecisions.Decide([Call("fraud", "k1"), Call("fraud", "k2")], read);
        Assert.Equal(3, read.NextVersions["fraud"]);
    }

    // ---- the idempotency key ----

    [Fact]
    public void The_same_key_and_digest_as_a_stored_version_is_a_duplicate_of_it_and_uses_no_number()
    {
        var read = Read(("fraud", 5));
        var stored = Stored("fraud", "run-2:fraud", 2, DigestA);
        read.Existing[("fraud", "run-2:fraud")] = stored;

        var decided = RegistrationDecisions.Decide([Call("fraud", "run-2:fraud", DigestA), Call("fraud", "run-5:fraud")], read);

        var duplicate = decided.Decisions[0];
        Assert.Equal(RegistrationVerdict.Duplicate, duplicate.Verdict);
        Assert.Same(stored, duplicate.Existing);
        Assert.Equal(2, duplicate.Version);
        Assert.Null(duplicate.MadeBy);
        Assert.Equal(5, decided.Decisions[1].Version);
        Assert.Equal(6, decided.NextVersions["fraud"]);
    }

    [Fact]
    public void The_same_key_with_another_digest_than_a_stored_version_is_an_idempotency_conflict()
    {
        var read = Read(("fraud", 3));
        read.Existing[("fraud", "k")] = Stored("fraud", "k", 2, DigestA);

        var decided = RegistrationDecisions.Decide([Call("fraud", "k", DigestB)], read);

        var d = decided.Decisions[0];
        Assert.Equal(RegistrationVerdict.Rejected, d.Verdict);
        Assert.Equal(RejectionReasons.IdempotencyConflict, d.Rejection!.ReasonCode);
        Assert.Equal($"idempotencyKey: 'k' already registered fraud version 2 with manifest {DigestA}, not {DigestB}", d.Rejection.Message);
        Assert.Equal(0, d.Version);
        Assert.Equal(3, decided.NextVersions["fraud"]);
    }

    [Fact]
    public void A_key_is_per_model()
    {
        var read = Read(("fraud", 1), ("churn", 1));
        read.Existing[("fraud", "k")] = Stored("fraud", "k", 1, DigestA);

        var decided = RegistrationDecisions.Decide([Call("churn", "k", DigestB)], read);

        Assert.Equal(RegistrationVerdict.Registered, decided.Decisions[0].Verdict);
        Assert.Equal(1, decided.Decisions[0].Version);
    }

    [Fact]
    public void The_same_key_twice_in_one_group_with_the_same_content_makes_the_second_a_duplicate_of_the_first()
    {
        var decided = RegistrationDecisions.Decide([Call("fraud", "k", DigestA), Call("fraud", "k", DigestA)], Read(("fraud", 7)));

        Assert.Equal(RegistrationVerdict.Registered, decided.Decisions[0].Verdict);
        Assert.Equal(7, decided.Decisions[0].Version);
        var second = decided.Decisions[1];
        Assert.Equal(RegistrationVerdict.Duplicate, second.Verdict);
        Assert.Equal(0, second.MadeBy);
        Assert.Null(second.Existing);
        Assert.Equal(7, second.Version);
        Assert.Equal(8, decided.NextVersions["fraud"]);
    }

    [Fact]
    public void The_same_key_twice_in_one_group_with_other_content_refuses_the_second_as_a_conflict()
    {
        var decided = RegistrationDecisions.Decide([Call("fraud", "k", DigestA), Call("fraud", "k", DigestB)], Read(("fraud", 1)));

        Assert.Equal(RegistrationVerdict.Registered, decided.Decisions[0].Verdict);
        var second = decided.Decisions[1];
        Assert.Equal(RegistrationVerdict.Rejected, second.Verdict);
        Assert.Equal(RejectionReasons.IdempotencyConflict, second.Rejection!.ReasonCode);
        Assert.Equal($"idempotencyKey: 'k' already registered fraud version 1 with manifest {DigestA}, not {DigestB}", second.Rejection.Message);
        Assert.Equal(2, decided.NextVersions["fraud"]);
    }

    // ---- base models ----

    [Fact]
    public void An_unknown_base_model_is_refused()
    {
        var decided = RegistrationDecisions.Decide([Call("tuned", "k", baseModel: Base("fraud", 999))], Read(("tuned", 1)));

        var d = decided.Decisions[0];
        Assert.Equal(RegistrationVerdict.Rejected, d.Verdict);
        Assert.Equal(RejectionReasons.UnknownBaseModel, d.Rejection!.ReasonCode);
        Assert.Equal("lineage.baseModel: fraud version 999 is not registered", d.Rejection.Message);
    }

    [Fact]
    public void A_stored_base_model_is_named_by_its_version_id()
    {
        var read = Read(("tuned", 1));
        var baseId = Guid.Parse("0195a1b2-0000-7000-8000-000000000001");
        read.Bases[("fraud", 2)] = baseId;

        var d = RegistrationDecisions.Decide([Call("tuned", "k", baseModel: Base("fraud", 2))], read).Decisions[0];

        Assert.Equal(RegistrationVerdict.Registered, d.Verdict);
        Assert.Equal(baseId, d.BaseVersionId);
        Assert.Null(d.BaseMadeBy);
    }

    [Fact]
    public void A_base_model_registered_earlier_in_the_group_is_known_and_one_registered_later_is_not()
    {
        var read = Read(("fraud", 3), ("tuned", 1));
        var decided = RegistrationDecisions.Decide(
            [Call("tuned", "early", baseModel: Base("fraud", 3)), Call("fraud", "f"), Call("tuned", "late", baseModel: Base("fraud", 3))], read);

        Assert.Equal(RejectionReasons.UnknownBaseModel, decided.Decisions[0].Rejection?.ReasonCode);
        Assert.Equal(3, decided.Decisions[1].Version);
        var late = decided.Decisions[2];
        Assert.Equal(RegistrationVerdict.Registered, late.Verdict);
        Assert.Equal(1, late.BaseMadeBy);
        Assert.Null(late.BaseVersionId);
        Assert.Equal(1, late.Version); // the refused one before it used no number
    }

    [Fact]
    public void A_repeated_key_is_a_duplicate_even_when_its_base_model_is_unknown()
    {
        var read = Read(("tuned", 2));
        read.Existing[("tuned", "k")] = Stored("tuned", "k", 1, DigestA);

        var d = RegistrationDecisions.Decide([Call("tuned", "k", DigestA, Base("gone", 1))], read).Decisions[0];

        Assert.Equal(RegistrationVerdict.Duplicate, d.Verdict);
    }

    // ---- refusals and message ids ----

    [Fact]
    public void Refused_calls_use_no_version_number()
    {
        var read = Read(("fraud", 4));
        read.Existing[("fraud", "taken")] = Stored("fraud", "taken", 3, DigestA);
        var early = new Rejection(RejectionReasons.InvalidValue, "riskTier: 'extreme' is not one of low, medium, high, critical");

        var decided = RegistrationDecisions.Decide(
        [
            Call("fraud", "taken", DigestB),
            Call("fraud", "orphan", baseModel: Base("nothing", 1)),
            Call("fraud", "invalid") with { Refused = early },
            Call("fraud", "fine"),
        ], read);

        Assert.Equal(
            [RegistrationVerdict.Rejected, RegistrationVerdict.Rejected, RegistrationVerdict.Rejected, RegistrationVerdict.Registered],
            decided.Decisions.Select(d => d.Verdict));
        Assert.Same(early, decided.Decisions[2].Rejection);
        Assert.Equal(4, decided.Decisions[3].Version);
        Assert.Equal(5, decided.NextVersions["fraud"]);
    }

    [Fact]
    public void A_refusal_found_before_the_group_is_recorded_as_it_is_even_for_a_model_that_was_not_read()
    {
        var early = new Rejection(RejectionReasons.InvalidName, "modelName: 'Bad Name' ...");
        var id = Guid.Parse("0195a1b2-0000-7000-8000-0000000000cc");
        var read = Read();
        read.FreshMessageIds.Add(id);
        var d = RegistrationDecisions.Decide([new RegistrationRequest("Bad Name", null, null, null, id, early)], read).Decisions[0];

        Assert.Equal(RegistrationVerdict.Rejected, d.Verdict);
        Assert.Same(early, d.Rejection);
    }

    [Fact]
    public void A_message_id_processed_before_or_earlier_in_the_group_is_already_processed()
    {
        var fresh = Guid.Parse("0195a1b2-0000-7000-8000-0000000000aa");
        var old = Guid.Parse("0195a1b2-0000-7000-8000-0000000000bb");
        var read = Read(("fraud", 1));
        read.FreshMessageIds.Add(fresh);

        var decided = RegistrationDecisions.Decide(
        [
            Call("fraud", "k1") with { MessageId = old },
            Call("fraud", "k2") with { MessageId = fresh },
            Call("fraud", "k2") with { MessageId = fresh },
            Call("fraud", "k3") with { MessageId = null },
        ], read);

        Assert.Equal(
            [RegistrationVerdict.AlreadyProcessed, RegistrationVerdict.Registered, RegistrationVerdict.AlreadyProcessed, RegistrationVerdict.Registered],
            decided.Decisions.Select(d => d.Verdict));
        Assert.Equal([0, 1, 0, 2], decided.Decisions.Select(d => d.Version));
    }

    [Fact]
    public void A_model_that_was_not_read_cannot_be_numbered() =>
        Assert.Throws<InvalidOperationException>(() => RegistrationDecisions.Decide([Call("fraud", "k")], Read()));

    // ---- helpers ----

    /// <summary>A call with no message id, so the inbox does not come into it.</summary>
    private static RegistrationRequest Call(string model, string key, string digest = DigestA, BaseModelRef? baseModel = null) =>
        new(model, key, digest, baseModel, null);

    private static BaseModelRef Base(string name, int version) => new() { Name = name, Version = version };

    private static RegistrationRead Read(params (string Model, int NextVersion)[] models)
    {
        var read = new RegistrationRead();
        foreach (var (model, next) in models) read.NextVersions[model] = next;
        return read;
    }

    private static ModelVersionRegistered Stored(string model, string key, int version, string digest) => new()
    {
        ModelName = model,
        Version = version,
        ModelVersionId = Guid.CreateVersion7(),
        ManifestDigest = digest,
        IdempotencyKey = key,
        TrainingRunId = "run",
        RegisteredAt = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero),
    };
}
