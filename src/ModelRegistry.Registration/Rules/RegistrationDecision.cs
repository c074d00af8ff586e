using ModelRegistry.Contracts;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Registration.Rules;

/// <summary>One call of a group as <see cref="RegistrationDecisions.Decide"/> sees it.</summary>
/// <param name="ModelName">The model it registers.</param>
/// <param name="IdempotencyKey">Its business key (null only for some refusals found before the group).</param>
/// <param name="ManifestDigest">The digest of its files (null for a refusal found before the group).</param>
/// <param name="BaseModel">The version it was trained from, if any.</param>
/// <param name="MessageId">The broker's message id, when the message had one.</param>
/// <param name="Refused">A refusal found before the group (validation, artifact checks): recorded as it is.</param>
/// <param name="OwnerTeam">The owner team it claims: the model's, or the one it fixes when it is the model's first registration.</param>
/// <param name="RiskTier">The risk tier it claims, likewise.</param>
public readonly record struct RegistrationRequest(string ModelName, string? IdempotencyKey, string? ManifestDigest,
    BaseModelRef? BaseModel, Guid? MessageId, Rejection? Refused = null, string? OwnerTeam = null, string? RiskTier = null);

/// <summary>A model's owner team and risk tier: fixed by its first registration, changed only by ChangeModelGovernance.</summary>
public readonly record struct ModelGovernance(string OwnerTeam, string RiskTier);

/// <summary>What a group's transaction read, under the model rows' locks, before anything was decided.</summary>
public sealed class RegistrationRead
{
    /// <summary>The message ids this transaction marked in the inbox; any other id was processed before.</summary>
    public HashSet<Guid> FreshMessageIds { get; } = [];

    /// <summary>Each model the group registers, locked: the number its next version takes.</summary>
    public Dictionary<string, int> NextVersions { get; } = new(StringComparer.Ordinal);

    /// <summary>The versions already stored under the group's (model name, idempotency key) pairs.</summary>
    public Dictionary<(string Model, string Key), ModelVersionRegistered> Existing { get; } = [];

    /// <summary>The stored versions the group names as base models, by (name, version): their version ids.</summary>
    public Dictionary<(string Name, int Version), Guid> Bases { get; } = [];

    /// <summary>
    /// Each model the group registers that existed before the group: its owner team and risk tier, which a registration
    /// must repeat. A model missing here is new: its first registration in the group fixes them.
    /// </summary>
    public Dictionary<string, ModelGovernance> Governance { get; } = new(StringComparer.Ordinal);
}

/// <summary>What a call of a group comes to.</summary>
public enum RegistrationVerdict
{
    /// <summary>Its message id was processed before (or earlier in the group): nothing to do.</summary>
    AlreadyProcessed,

    /// <summary>A new version, numbered <see cref="RegistrationDecision.Version"/>.</summary>
    Registered,

    /// <summary>Its key already made a version with the same manifest: that version, nothing new.</summary>
    Duplicate,

    /// <summary>Refused: <see cref="RegistrationDecision.Rejection"/> says why.</summary>
    Rejected,
}

/// <summary>The decision for one call of a group.</summary>
public readonly record struct RegistrationDecision
{
    public RegistrationVerdict Verdict { get; private init; }

    /// <summary>Registered: the number it takes. Duplicate: the number of the version it repeats. Otherwise 0.</summary>
    public int Version { get; private init; }

    /// <summary>Duplicate of a version stored before the group: that version (null when <see cref="MadeBy"/> is set).</summary>
    public ModelVersionRegistered? Existing { get; private init; }

    /// <summary>Duplicate of a version an earlier call of the group registers: that call's index in the group.</summary>
    public int? MadeBy { get; private init; }

    /// <summary>Registered on a base model stored before the group: the base's version id.</summary>
    public Guid? BaseVersionId { get; private init; }

    /// <summary>Registered on a base model an earlier call of the group registers: that call's index in the group.</summary>
    public int? BaseMadeBy { get; private init; }

    /// <summary>Rejected: the reason code (one of <see cref="RejectionReasons"/>) and message.</summary>
    public Rejection? Rejection { get; private init; }

    public static RegistrationDecision AlreadyProcessed() => new() { Verdict = RegistrationVerdict.AlreadyProcessed };

    public static RegistrationDecision Registered(int version, Guid? baseVersionId, int? baseMadeBy) =>
        new() { Verdict = RegistrationVerdict.Registered, Version = version, BaseVersionId = baseVersionId, BaseMadeBy = baseMadeBy };

    public static RegistrationDecision DuplicateOfStored(ModelVersionRegistered existing)
    {
        ArgumentNullException.ThrowIfNull(existing);
        return new() { Verdict = RegistrationVerdict.Duplicate, Version = existing.Version, Existing = existing };
    }

    public static RegistrationDecision DuplicateOfEarlier(int madeBy, int version) =>
        new() { Verdict = RegistrationVerdict.Duplicate, Version = version, MadeBy = madeBy };

    public static RegistrationDecision Rejected(Rejection rejection)
    {
        ArgumentNullException.ThrowIfNull(rejection);
        return new() { Verdict = RegistrationVerdict.Rejected, Rejection = rejection };
    }
}

/// <summary>
/// The decisions for a group, in the group's order, each model's next version number after them, and the governance that
/// the group's first registration of a new model fixed (<see cref="FixedGovernance"/>: new models only; an existing
/// model's owner team and risk tier are never changed by a registration).
/// </summary>
public sealed record GroupDecisions(IReadOnlyList<RegistrationDecision> Decisions, IReadOnlyDictionary<string, int> NextVersions,
    IReadOnlyDictionary<string, ModelGovernance> FixedGovernance);
