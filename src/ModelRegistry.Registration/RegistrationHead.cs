using ModelRegistry.Contracts;
using ModelRegistry.Registration.Rules;
using Npgsql;
using static ModelRegistry.Registration.RegistrationSql;

namespace ModelRegistry.Registration;

/// <summary>
/// The head of a group's transaction, read in one round trip: the inbox marks, the model rows (made if new, then locked),
/// and under their locks the versions the group's keys already made and the base models it names.
/// </summary>
internal sealed class RegistrationHead
{
    /// <summary>What the decisions need (<see cref="RegistrationDecisions.Decide"/>).</summary>
    public RegistrationRead Read { get; } = new();

    /// <summary>The locked models' ids, by name.</summary>
    public Dictionary<string, Guid> ModelIds { get; } = new(StringComparer.Ordinal);

    /// <summary>The model rows this transaction made.</summary>
    public List<Guid> CreatedModelIds { get; } = [];

    public static async Task<RegistrationHead> ReadAsync(NpgsqlConnection connection, NpgsqlTransaction tx,
        IReadOnlyList<PendingRegistration> group, CancellationToken token)
    {
        var ids = group.Where(p => p.MessageId is not null).Select(p => p.MessageId!.Value).Distinct().ToArray();
        var registering = group.Where(p => p.Refused is null).ToList();
        // A new model takes the settings of its first registration in the group (later ones update them, in order).
        var firsts = registering.DistinctBy(p => p.Message.ModelName).ToList();
        var keys = registering.Select(p => (p.Message.ModelName, Key: p.IdempotencyKey!)).Distinct().ToList();
        var bases = registering.Select(p => p.Message.Lineage!.BaseModel).OfType<BaseModelRef>().Select(b => (b.Name, b.Version)).Distinct().ToList();

        await using var batch = new NpgsqlBatch(connection, tx);
        batch.BatchCommands.Add(Command(HeadInbox, ids, RegistrationStore.Consumer));
        batch.BatchCommands.Add(Command(HeadEnsureModels, firsts.Select(_ => Guid.CreateVersion7()).ToArray(), firsts.Select(p => p.Message.ModelName).ToArray(),
            firsts.Select(p => p.Message.OwnerTeam).ToArray(), firsts.Select(p => p.Message.Description).ToArray(), firsts.Select(p => p.Message.RiskTier).ToArray()));
        batch.BatchCommands.Add(Command(HeadLockModels, (object)firsts.Select(p => p.Message.ModelName).ToArray()));
        batch.BatchCommands.Add(Command(HeadFindKeys, keys.Select(k => k.ModelName).ToArray(), keys.Select(k => k.Key).ToArray()));
        batch.BatchCommands.Add(Command(HeadFindBases, bases.Select(b => b.Name).ToArray(), bases.Select(b => b.Version).ToArray()));
        await using var reader = await batch.ExecuteReaderAsync(token);

        var head = new RegistrationHead();
        var read = head.Read;
        while (await reader.ReadAsync(token)) read.FreshMessageIds.Add(reader.GetGuid(0));
        await reader.NextResultAsync(token);
        while (await reader.ReadAsync(token)) head.CreatedModelIds.Add(reader.GetGuid(0));
        await reader.NextResultAsync(token);
        var created = head.CreatedModelIds.ToHashSet();
        while (await reader.ReadAsync(token))
        {
            var (modelId, name) = (reader.GetGuid(0), reader.GetString(1));
            head.ModelIds[name] = modelId;
            read.NextVersions[name] = reader.GetInt32(2);
            // A model this transaction made has no governance yet: its first registration in the group fixes it.
            if (!created.Contains(modelId)) read.Governance[name] = new ModelGovernance(reader.GetString(3), reader.GetString(4));
        }
        await reader.NextResultAsync(token);
        while (await reader.ReadAsync(token))
        {
            var existing = new ExistingVersion(reader.GetGuid(2), reader.GetInt32(3), reader.GetString(4), reader.GetDateTime(5), reader.GetString(6));
            read.Existing[(reader.GetString(0), reader.GetString(1))] = existing.ToEvent(reader.GetString(0), reader.GetString(1));
        }
        await reader.NextResultAsync(token);
        while (await reader.ReadAsync(token)) read.Bases[(reader.GetString(0), reader.GetInt32(1))] = reader.GetGuid(2);
        foreach (var p in firsts)
        {
            if (!head.ModelIds.ContainsKey(p.Message.ModelName))
                throw new InvalidOperationException($"model {p.Message.ModelName} vanished while being locked");
        }
        return head;
    }
}
