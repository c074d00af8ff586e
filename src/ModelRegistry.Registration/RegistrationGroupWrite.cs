using System.Text.Json;
using ModelRegistry.Contracts;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Audit;
using ModelRegistry.Platform.Outbox;
using Npgsql;
using static ModelRegistry.Registration.RegistrationEvents;
using static ModelRegistry.Registration.RegistrationSql;

namespace ModelRegistry.Registration;

/// <summary>
/// Everything a group writes, gathered as columns for multi-row inserts; its events and audit records go to the group's
/// <see cref="UnitOfWork"/>, which writes them with the commit.
/// </summary>
internal sealed class RegistrationGroupWrite(UnitOfWork work)
{
    private readonly List<(PendingRegistration P, Guid ModelId, ModelVersionRegistered V, Guid? BaseVersionId)> registered = [];
    private readonly List<(PendingRegistration P, ModelRegistrationRejected R)> rejected = [];
    public bool IsEmpty => registered.Count == 0 && rejected.Count == 0;

    public bool UsesModel(Guid modelId) => registered.Any(r => r.ModelId == modelId);

    public void Register(PendingRegistration p, Guid modelId, ModelVersionRegistered v, Guid? baseVersionId)
    {
        registered.Add((p, modelId, v, baseVersionId));
        work.Publish(v);
        work.Audit(RegisteredAudit(p.Message, v, p.MessageId, p.Principal));
    }

    public RegistrationResult Reject(PendingRegistration p, string? key, string code, string reason)
    {
        var r = Rejection(p.Message, key, code, reason, p.Now);
        rejected.Add((p, r));
        work.Publish(r);
        work.Audit(RejectedAudit(p.Message, r, p.MessageId, p.Principal));
        return new RegistrationResult(RegistrationOutcome.Rejected, null, r);
    }

    /// <param name="unusedModels">Model rows this group made that no registration uses: deleted.</param>
    /// <param name="fixedGovernance">The owner team and risk tier of each model this group made, by name (existing models keep theirs).</param>
    public NpgsqlBatch Build(Guid[] unusedModels, IReadOnlyDictionary<string, Rules.ModelGovernance> fixedGovernance)
    {
        var batch = new NpgsqlBatch(work.Connection, work.Transaction);
        work.AddQueuedEventsTo(batch);
        if (registered.Count > 0) AddRegistrations(batch, fixedGovernance);
        if (rejected.Count > 0)
        {
            batch.BatchCommands.Add(Command(InsertRejections, rejected.Select(r => r.P.MessageId).ToArray(),
                rejected.Select(r => r.R.ModelName).ToArray(), rejected.Select(r => r.R.ReasonCode).ToArray(),
                rejected.Select(r => r.R.Message).ToArray(),
                rejected.Select(r => AuditText.RefusedPayload(r.P.Message)).ToArray()));
        }
        if (unusedModels.Length > 0) batch.BatchCommands.Add(Command(DeleteUnusedModels, unusedModels));
        return batch;
    }

    private void AddRegistrations(NpgsqlBatch batch, IReadOnlyDictionary<string, Rules.ModelGovernance> fixedGovernance)
    {
        // Per model, the last registration's description and tags win, as if they had been written one after the other;
        // owner team and risk tier are written only for a model this group made (null: the model keeps its own).
        var perModel = registered.GroupBy(r => r.ModelId).Select(g => (
            ModelId: g.Key,
            NextVersion: g.Max(r => r.V.Version) + 1,
            Last: g.Last().P.Message,
            Description: g.Select(r => r.P.Message.Description).LastOrDefault(d => d is not null),
            Fixed: fixedGovernance.TryGetValue(g.First().P.Message.ModelName, out var fixedHere) ? fixedHere : (Rules.ModelGovernance?)null)).ToList();
        batch.BatchCommands.Add(Command(AdvanceModels, perModel.Select(m => m.ModelId).ToArray(), perModel.Select(m => m.NextVersion).ToArray(),
            perModel.Select(m => m.Fixed?.OwnerTeam).ToArray(), perModel.Select(m => m.Description).ToArray(), perModel.Select(m => m.Fixed?.RiskTier).ToArray()));

        batch.BatchCommands.Add(Command(InsertVersions,
            registered.Select(r => r.V.ModelVersionId).ToArray(), registered.Select(r => r.ModelId).ToArray(),
            registered.Select(r => r.V.Version).ToArray(), registered.Select(r => r.V.ManifestDigest).ToArray(),
            registered.Select(r => r.V.IdempotencyKey).ToArray(), registered.Select(r => r.P.Message.Description).ToArray(),
            registered.Select(r => r.P.Message.OwnerTeam).ToArray(), registered.Select(r => r.P.Message.RiskTier).ToArray(),
            registered.Select(r => r.P.Message.TrainedAt.ToUniversalTime()).ToArray(), registered.Select(r => r.V.RegisteredAt.ToUniversalTime()).ToArray(),
            registered.Select(r => r.P.MessageId).ToArray()));

        var files = registered.SelectMany(r => r.P.Files.Select(f => (r.V.ModelVersionId, F: f))).ToList();
        var objects = files.Select(f => f.F).DistinctBy(f => f.Sha256).ToList();
        batch.BatchCommands.Add(Command(InsertObjects, objects.Select(f => f.Sha256).ToArray(), objects.Select(f => f.Size).ToArray()));
        batch.BatchCommands.Add(Command(InsertFiles, files.Select(f => f.ModelVersionId).ToArray(),
            files.Select(f => f.F.File.Path).ToArray(), files.Select(f => f.F.File.Role).ToArray(),
            files.Select(f => f.F.Sha256).ToArray(), files.Select(f => f.F.Size).ToArray(), files.Select(f => f.F.File.SourceUri).ToArray()));

        var lineage = registered.Select(r => (r.V.ModelVersionId, L: r.P.Message.Lineage!, r.BaseVersionId)).ToList();
        batch.BatchCommands.Add(Command(InsertLineage, lineage.Select(l => l.ModelVersionId).ToArray(),
            lineage.Select(l => l.L.TrainingRunId).ToArray(), lineage.Select(l => l.L.TrainingRunUrl).ToArray(),
            lineage.Select(l => l.L.CodeRepository).ToArray(), lineage.Select(l => l.L.CodeCommit).ToArray(),
            lineage.Select(l => l.L.BaseModel?.Name).ToArray(), lineage.Select(l => l.L.BaseModel?.Version).ToArray(),
            lineage.Select(l => l.BaseVersionId).ToArray(),
            lineage.Select(l => JsonSerializer.Serialize(l.L.Hyperparameters ?? [], OutboxMessageTypes.Json)).ToArray()));

        var datasets = lineage.SelectMany(l => l.L.Datasets.Select(d => (l.ModelVersionId, D: d))).ToList();
        batch.BatchCommands.Add(Command(InsertDatasets, datasets.Select(d => d.ModelVersionId).ToArray(),
            datasets.Select(d => d.D.Name).ToArray(), datasets.Select(d => d.D.Version).ToArray(), datasets.Select(d => d.D.Digest).ToArray()));

        var versionTags = registered.SelectMany(r => (r.P.Message.Tags ?? []).Select(t => (r.V.ModelVersionId, T: t))).ToList();
        batch.BatchCommands.Add(Command(InsertVersionTags, versionTags.Select(t => t.ModelVersionId).ToArray(),
            versionTags.Select(t => t.T.Key).ToArray(), versionTags.Select(t => t.T.Value).ToArray()));

        var modelTags = perModel.SelectMany(m => (m.Last.Tags ?? []).Select(t => (m.ModelId, T: t))).ToList();
        batch.BatchCommands.Add(Command(DeleteModelTags, perModel.Select(m => m.ModelId).ToArray(), modelTags.Select(t => t.ModelId).ToArray(),
            modelTags.Select(t => t.T.Key).ToArray(), modelTags.Select(t => t.T.Value).ToArray()));
        batch.BatchCommands.Add(Command(InsertModelTags, modelTags.Select(t => t.ModelId).ToArray(),
            modelTags.Select(t => t.T.Key).ToArray(), modelTags.Select(t => t.T.Value).ToArray()));
    }
}
