using Dapper;
using ModelRegistry.Contracts;
using ModelRegistry.Contracts.Retention;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Audit;
using ModelRegistry.Platform.Identity;
using ModelRegistry.Platform.Rules;
using ModelRegistry.Retention.Rules;
using Npgsql;

namespace ModelRegistry.Retention;

/// <summary>What the archive and delete actions share: who may send them, the action's row, the locked closure, the skip.</summary>
internal static class RetentionActions
{
    /// <summary>The audit actor of the retention worker's own records.</summary>
    public const string AuditActor = "svc:retention";

    /// <summary>A message naming no action a sweep recorded (or another version, or the other kind of action).</summary>
    public const string UnknownAction = "unknown_action";

    /// <summary>The refusal of an action from anyone but the registry's own principal; null when it may run.</summary>
    public static Rejection? Sender(string? principal, AccessPolicy access, string what) =>
        AccessRules.Unauthenticated(principal) ?? (access.IsRegistry(principal) ? null : AccessRules.NotPermitted(principal!, $"send {what} (only the registry does)"));

    /// <summary>
    /// Audits a refused action message (retention.refused) and does nothing else: no inbox mark (the action id is the
    /// inbox key of the real action, which a forged message must not use up), no event, no row.
    /// </summary>
    public static Task RefuseAsync(NpgsqlDataSource dataSource, string? principal, string action, Guid actionId, Guid versionId, Guid sweepId,
        string? modelName, Rejection refusal, DateTimeOffset now, CancellationToken cancellationToken) =>
        DatabaseResilience.Pipeline.ExecuteAsync(async token =>
        {
            await using var work = await UnitOfWork.BeginAsync(dataSource, token);
            work.Audit(Refused(principal, action, actionId, versionId, sweepId, modelName, refusal));
            await work.CommitAsync(now, token);
        }, cancellationToken).AsTask();

    public static AuditAppend Refused(string? principal, string action, Guid actionId, Guid versionId, Guid sweepId, string? modelName, Rejection refusal) =>
        new(principal ?? AuditActor, "retention.refused", "retention_action", actionId.ToString(), AuditText.ModelName(modelName), new
        {
            action, actionId, versionId, sweepId, reasonCode = refusal.ReasonCode, reason = AuditText.Storable(refusal.Message),
        });

    public static async Task<RetentionActionRow?> ActionAsync(UnitOfWork work, Guid actionId, CancellationToken token) =>
        await work.Connection.QuerySingleOrDefaultAsync<RetentionActionRow>(new CommandDefinition(RetentionActionSql.Action, new { ActionId = actionId },
            work.Transaction, cancellationToken: token));

    /// <summary>Why the row does not fit the message; null when it does.</summary>
    public static Rejection? Mismatch(RetentionActionRow? row, Guid actionId, Guid versionId, string action) => row switch
    {
        null => new(UnknownAction, $"no retention sweep recorded action {actionId}"),
        _ when row.VersionId != versionId || row.Action != action =>
            new(UnknownAction, $"action {actionId} is a sweep's {row.Action} of version {row.VersionId}, not a {action} of version {versionId}"),
        _ => null,
    };

    /// <summary>
    /// The facts of the version's closure with the closure's model rows locked FOR SHARE (in model id order). The closure
    /// is read again after locking, and until every model in it is locked, so no promotion or hold of one of them commits
    /// between the read and the action's commit.
    /// </summary>
    public static async Task<List<VersionFacts>> LockedClosureAsync(UnitOfWork work, Guid versionId, CancellationToken token)
    {
        var locked = new HashSet<string>(StringComparer.Ordinal);
        var closure = await RetentionFactsQuery.ClosureAsync(work.Connection, work.Transaction, versionId, token);
        while (true)
        {
            var names = closure.Select(v => v.ModelName).Distinct(StringComparer.Ordinal).ToArray();
            if (names.All(locked.Contains)) return closure;
            foreach (var name in await work.Connection.QueryAsync<string>(new CommandDefinition(RetentionActionSql.LockModels, new { Names = names },
                         work.Transaction, cancellationToken: token)))
                locked.Add(name);
            closure = await RetentionFactsQuery.ClosureAsync(work.Connection, work.Transaction, versionId, token);
        }
    }

    public static Task LockObjectsAsync(UnitOfWork work, IEnumerable<ObjectRef> objects, CancellationToken token) =>
        work.Connection.ExecuteAsync(new CommandDefinition(RetentionActionSql.LockObjects,
            new { Shas = objects.Select(o => o.Sha256).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray() },
            work.Transaction, cancellationToken: token));

    /// <summary>Records the action skipped (kept_by), publishes RetentionActionSkipped and audits retention.skipped.</summary>
    public static async Task SkipAsync(UnitOfWork work, RetentionActionRow row, string action, string keptBy, VersionFacts? version, string fallbackModel,
        int fallbackVersion, DateTimeOffset now, CancellationToken token)
    {
        await work.Connection.ExecuteAsync(new CommandDefinition(RetentionActionSql.MarkSkipped, new { row.ActionId, KeptBy = keptBy, At = now },
            work.Transaction, cancellationToken: token));
        var model = version?.ModelName ?? AuditText.ModelName(fallbackModel) ?? "";
        var number = version?.Version ?? fallbackVersion;
        var message = SkipMessage(action, keptBy, model, number);
        work.Publish(new RetentionActionSkipped
        {
            ActionId = row.ActionId, SweepId = row.SweepId, VersionId = row.VersionId, ModelName = model, Version = number, Action = action,
            KeptBy = keptBy, Message = message, At = now,
        });
        work.Audit(new AuditAppend(AuditActor, "retention.skipped", "model_version", Subject(model, number, row.VersionId), model.Length > 0 ? model : null,
            new { action, actionId = row.ActionId, sweepId = row.SweepId, versionId = row.VersionId, rule = row.Rule, keptBy, message }));
    }

    public static string Subject(string model, int version, Guid versionId) => model.Length > 0 ? $"{model}/{version}" : versionId.ToString();

    private static string SkipMessage(string action, string keptBy, string model, int version) => keptBy switch
    {
        RetentionRecheck.AlreadyArchived => $"{model}/{version}: not archived again, its bytes are already in the archive tier",
        RetentionRecheck.AlreadyDeleted => $"{model}/{version}: its archived bytes are already deleted",
        RetentionRecheck.NotArchived => $"{model}/{version}: its bytes are not archived, so there is nothing to delete",
        RetentionRecheck.UnknownVersion => $"version {version} of {model}: not in the registry",
        _ => $"{model}/{version}: kept by '{keptBy}' at the moment of the {action} (docs/retention.md)",
    };
}
