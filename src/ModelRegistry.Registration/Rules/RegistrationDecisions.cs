using ModelRegistry.Contracts;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Registration.Rules;

/// <summary>
/// What each call of a group of registrations comes to, decided from what the group's transaction read: no database, no
/// clock, no ids. The store reads (<see cref="RegistrationRead"/>), calls <see cref="Decide"/>, and writes what it says.
/// </summary>
public static class RegistrationDecisions
{
    /// <summary>
    /// Decides each call of <paramref name="group"/> in its order (the order of arrival), as if they were written one after
    /// the other: a message id already processed, or seen earlier in the group, is <see cref="RegistrationVerdict.AlreadyProcessed"/>;
    /// a refusal found before the group is <see cref="RegistrationVerdict.Rejected"/> as it is; a key that already made a
    /// version (stored, or by an earlier call of the group) is a <see cref="RegistrationVerdict.Duplicate"/> of it with the
    /// same manifest digest and an <see cref="RejectionReasons.IdempotencyConflict"/> with another; an owner team or risk
    /// tier other than the model's (stored, or fixed by an earlier registration of the group when the model is new) is
    /// <see cref="RejectionReasons.GovernanceMismatch"/>; a base model that is neither stored nor registered by an earlier
    /// call is <see cref="RejectionReasons.UnknownBaseModel"/>; anything else takes its model's next number. Only
    /// registrations use numbers. <paramref name="read"/> is not changed.
    /// </summary>
    /// <exception cref="InvalidOperationException">A call to register names a model missing from <see cref="RegistrationRead.NextVersions"/>.</exception>
    public static GroupDecisions Decide(IReadOnlyList<RegistrationRequest> group, RegistrationRead read)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(read);
        var state = new GroupState(group, read);
        for (var i = 0; i < group.Count; i++) state.Decisions[i] = state.Decide(i);
        return new GroupDecisions(state.Decisions, state.NextVersions, state.FixedGovernance);
    }

    /// <summary>The group as decided so far.</summary>
    private sealed class GroupState(IReadOnlyList<RegistrationRequest> group, RegistrationRead read)
    {
        private readonly HashSet<Guid> seenIds = [];
        private readonly Dictionary<(string Model, string Key), int> keysMadeHere = [];
        private readonly Dictionary<(string Model, int Version), int> versionsMadeHere = [];

        public RegistrationDecision[] Decisions { get; } = new RegistrationDecision[group.Count];

        public Dictionary<string, int> NextVersions { get; } = new(read.NextVersions, StringComparer.Ordinal);

        /// <summary>New models' governance, fixed by their first registration in the group.</summary>
        public Dictionary<string, ModelGovernance> FixedGovernance { get; } = new(StringComparer.Ordinal);

        public RegistrationDecision Decide(int index)
        {
            var r = group[index];
            if (r.MessageId is { } id && (!read.FreshMessageIds.Contains(id) || !seenIds.Add(id)))
                return RegistrationDecision.AlreadyProcessed();
            if (r.Refused is { } refused) return RegistrationDecision.Rejected(refused);

            var key = (r.ModelName, r.IdempotencyKey!);
            if (keysMadeHere.TryGetValue(key, out var earlier))
                return Repeat(r, group[earlier].ManifestDigest, Decisions[earlier].Version, RegistrationDecision.DuplicateOfEarlier(earlier, Decisions[earlier].Version));
            if (read.Existing.TryGetValue(key, out var stored))
                return Repeat(r, stored.ManifestDigest, stored.Version, RegistrationDecision.DuplicateOfStored(stored));

            if (Mismatch(r) is { } mismatch) return RegistrationDecision.Rejected(mismatch);

            Guid? baseVersionId = null;
            int? baseMadeBy = null;
            if (r.BaseModel is { } baseModel)
            {
                var baseKey = (baseModel.Name, baseModel.Version);
                if (versionsMadeHere.TryGetValue(baseKey, out var madeBy)) baseMadeBy = madeBy;
                else if (read.Bases.TryGetValue(baseKey, out var baseId)) baseVersionId = baseId;
                else
                {
                    return RegistrationDecision.Rejected(new Rejection(RejectionReasons.UnknownBaseModel,
                        $"lineage.baseModel: {baseModel.Name} version {baseModel.Version} is not registered"));
                }
            }

            if (!NextVersions.TryGetValue(r.ModelName, out var version))
                throw new InvalidOperationException($"model {r.ModelName} was not read (locked) before its registration was decided");
            NextVersions[r.ModelName] = version + 1;
            if (!read.Governance.ContainsKey(r.ModelName)) FixedGovernance.TryAdd(r.ModelName, new ModelGovernance(r.OwnerTeam!, r.RiskTier!));
            keysMadeHere[key] = index;
            versionsMadeHere[(r.ModelName, version)] = index;
            return RegistrationDecision.Registered(version, baseVersionId, baseMadeBy);
        }

        /// <summary>
        /// A registration may not change its model's owner team or risk tier (only ChangeModelGovernance does): refused
        /// when it claims others than the model has, or than an earlier registration of the group fixed for a new model.
        /// </summary>
        private Rejection? Mismatch(RegistrationRequest r)
        {
            if (!read.Governance.TryGetValue(r.ModelName, out var model) && !FixedGovernance.TryGetValue(r.ModelName, out model)) return null;
            if (!string.Equals(model.OwnerTeam, r.OwnerTeam, StringComparison.Ordinal))
                return new Rejection(RejectionReasons.GovernanceMismatch,
                    $"ownerTeam: {r.ModelName} is owned by '{model.OwnerTeam}', not '{r.OwnerTeam}'; only ChangeModelGovernance changes a model's owner team");
            if (!string.Equals(model.RiskTier, r.RiskTier, StringComparison.Ordinal))
                return new Rejection(RejectionReasons.GovernanceMismatch,
                    $"riskTier: {r.ModelName} has risk tier '{model.RiskTier}', not '{r.RiskTier}'; only ChangeModelGovernance changes a model's risk tier");
            return null;
        }

        /// <summary>A key that already made a version: a duplicate with the same manifest, a conflict with another.</summary>
        private static RegistrationDecision Repeat(RegistrationRequest r, string? madeDigest, int madeVersion, RegistrationDecision duplicate) =>
            madeDigest == r.ManifestDigest
                ? duplicate
                : RegistrationDecision.Rejected(new Rejection(RejectionReasons.IdempotencyConflict,
                    $"idempotencyKey: '{r.IdempotencyKey}' already registered {r.ModelName} version {madeVersion} with manifest {madeDigest}, not {r.ManifestDigest}"));
    }
}
