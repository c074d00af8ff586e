using ModelRegistry.Contracts;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Rules;
using ModelRegistry.Registration.Rules;

namespace ModelRegistry.Registration;

/// <summary>What a registration did.</summary>
public enum RegistrationOutcome
{
    /// <summary>A new version was made.</summary>
    Registered,

    /// <summary>The idempotency key already had this version: nothing changed.</summary>
    Duplicate,

    /// <summary>This message id was already processed: nothing changed.</summary>
    AlreadyProcessed,

    /// <summary>Refused (the event says why); nothing but the rejection record was written.</summary>
    Rejected,
}

public sealed record RegistrationResult(RegistrationOutcome Outcome, ModelVersionRegistered? Registered, ModelRegistrationRejected? Rejected);

/// <summary>A verified artifact file, already in the content-addressed store.</summary>
public sealed record StoredFile(ArtifactFile File, string Sha256, long Size);

/// <summary>
/// A call waiting in <see cref="RegistrationStore"/>'s group-commit queue; <c>Refused</c> is a refusal found before the group
/// (identity, validation, artifact checks), null to register; <c>Principal</c> is who sent it (null: nobody the broker vouched for).
/// </summary>
internal sealed record PendingRegistration(ModelTrained Message, string? IdempotencyKey, string? ManifestDigest, IReadOnlyList<StoredFile> Files,
    Guid? MessageId, DateTimeOffset Now, Rejection? Refused, string? Principal) : IGroupCommitItem
{
    public TaskCompletionSource<RegistrationResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The call as the pure decisions see it.</summary>
    public RegistrationRequest Request =>
        new(Message.ModelName, IdempotencyKey, ManifestDigest, Message.Lineage?.BaseModel, MessageId, Refused, Message.OwnerTeam, Message.RiskTier);

    public void Fail(Exception exception) => Result.TrySetException(exception);
}
