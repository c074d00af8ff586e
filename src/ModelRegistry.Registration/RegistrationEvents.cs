using ModelRegistry.Contracts;
using ModelRegistry.Platform.Audit;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Registration;

/// <summary>The events and audit records a group of registrations writes.</summary>
internal static class RegistrationEvents
{
    private const string Worker = RegistrationStore.AuditActor;

    // The actor is who sent the message (the broker's validated user); a message without one is refused by the worker itself.
    private static string ActorOf(string? principal) => principal ?? Worker;

    /// <summary>The event of a new version: its id is made here (time-ordered, UUID version 7).</summary>
    public static ModelVersionRegistered Registered(PendingRegistration p, int version) => new()
    {
        ModelName = p.Message.ModelName,
        Version = version,
        ModelVersionId = Guid.CreateVersion7(p.Now),
        ManifestDigest = p.ManifestDigest!,
        IdempotencyKey = p.IdempotencyKey!,
        TrainingRunId = p.Message.Lineage!.TrainingRunId,
        RegisteredAt = p.Now,
    };

    public static AuditAppend RegisteredAudit(ModelTrained m, ModelVersionRegistered v, Guid? messageId, string? principal) =>
        new(ActorOf(principal), "version.registered", "model_version", $"{v.ModelName}/{v.Version}", v.ModelName, new
        {
            version = v.Version,
            modelVersionId = v.ModelVersionId,
            manifestDigest = v.ManifestDigest,
            idempotencyKey = v.IdempotencyKey,
            trainingRunId = m.Lineage!.TrainingRunId,
            codeRepository = m.Lineage.CodeRepository,
            codeCommit = m.Lineage.CodeCommit,
            baseModel = m.Lineage.BaseModel is { } b ? $"{b.Name}/{b.Version}" : null,
            ownerTeam = m.OwnerTeam,
            riskTier = m.RiskTier,
            files = m.Artifact!.Files.Count,
            messageId,
            worker = Worker,
        });

    // Refused input may be anything: the record keeps a storable, bounded copy of what identifies it.
    public static AuditAppend RejectedAudit(ModelTrained m, ModelRegistrationRejected r, Guid? messageId, string? principal) =>
        new(ActorOf(principal), "registration.rejected", "model", AuditText.ModelSubject(m.ModelName), AuditText.ModelName(m.ModelName), new
        {
            reasonCode = r.ReasonCode,
            reason = AuditText.Storable(r.Message),
            idempotencyKey = AuditText.Storable(r.IdempotencyKey),
            trainingRunId = AuditText.Storable(r.TrainingRunId),
            codeCommit = AuditText.Storable(m.Lineage?.CodeCommit),
            ownerTeam = AuditText.Storable(m.OwnerTeam),
            riskTier = AuditText.Storable(m.RiskTier),
            messageId,
            worker = Worker,
        });

    // Refused input is echoed bounded and storable (no NUL, no unpaired surrogate): the event and the row must be written.
    public static ModelRegistrationRejected Rejection(ModelTrained m, string? key, string code, string reason, DateTimeOffset now) => new()
    {
        ModelName = Bounded.Clip(m.ModelName, 200),
        IdempotencyKey = key is null ? null : Bounded.Clip(key, 200),
        TrainingRunId = m.Lineage?.TrainingRunId is { } run ? Bounded.Clip(run, 200) : null,
        ReasonCode = code,
        Message = Bounded.Storable(reason),
        RejectedAt = now,
    };
}

/// <summary>A stored version as <see cref="RegistrationSql.FindByKey"/> and the group's key check read it.</summary>
internal sealed record ExistingVersion(Guid ModelVersionId, int Version, string ManifestDigest, DateTime RegisteredAt, string TrainingRunId)
{
    public ModelVersionRegistered ToEvent(string modelName, string key) => new()
    {
        ModelName = modelName,
        Version = Version,
        ModelVersionId = ModelVersionId,
        ManifestDigest = ManifestDigest,
        IdempotencyKey = key,
        TrainingRunId = TrainingRunId,
        RegisteredAt = new DateTimeOffset(DateTime.SpecifyKind(RegisteredAt, DateTimeKind.Utc)),
    };
}
