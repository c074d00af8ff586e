using Dapper;
using ModelRegistry.Contracts;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Audit;
using ModelRegistry.Platform.Outbox;
using ModelRegistry.Platform.Rules;
using ModelRegistry.Registration.Rules;
using Npgsql;
using static ModelRegistry.Registration.RegistrationSql;

namespace ModelRegistry.Registration;

/// <summary>
/// Writes registrations and refusals. Each one is all or nothing: inbox mark, model row (locked), next version number, the
/// version, its files, lineage and tags, the outbox event and the audit record commit together or not at all.
/// </summary>
/// <remarks>
/// <para>Group commit (<see cref="GroupCommitQueue{TItem}"/>): calls that arrive while a transaction is being written wait
/// and are written together in the next one (at most <see cref="MaxGroup"/>). Under load a transaction then carries dozens
/// of registrations for the price of one commit, one take of the audit lock and a handful of round trips; alone, a call is
/// written at once. Calls are split by model name into <see cref="Partitions"/> partitions with one writer each: two groups
/// of one process never lock the same model rows, so their transactions run side by side on two database connections and
/// meet only at the audit lock, taken last.</para>
/// <para>Locks are taken in one order everywhere (inbox ids sorted, then model rows by name, then the audit lock), so two
/// groups, in one process or two, never deadlock. Versions are numbered in the order of the group under the model rows'
/// locks: contiguous, whichever process registers.</para>
/// <para>A group's transaction reads (<see cref="RegistrationHead"/>), decides (<see cref="RegistrationDecisions.Decide"/>,
/// pure) and writes what was decided (<see cref="RegistrationGroupWrite"/>, <see cref="RegistrationEvents"/>).</para>
/// <para>One call's failure is not its group's: if a group's transaction fails for a reason that is not transient, each of its
/// calls is written again alone, and only the call that fails alone fails.</para>
/// </remarks>
public sealed class RegistrationStore
{
    public const string Consumer = "registration";
    /// <summary>The worker, named in each audit record's details; the actor is the message's principal when it has one.</summary>
    public const string AuditActor = "svc:registration";

    /// <summary>Most calls written in one transaction.</summary>
    public const int MaxGroup = 256;

    /// <summary>Partitions by model name, each with one writer: transactions written at once by one process.</summary>
    public const int Partitions = 2;

    private readonly NpgsqlDataSource dataSource;
    private readonly GroupCommitQueue<PendingRegistration> queue;

    public RegistrationStore(NpgsqlDataSource dataSource)
    {
        this.dataSource = dataSource;
        // A model's calls always meet in one partition: its versions are numbered by one writer, in arrival order.
        queue = new GroupCommitQueue<PendingRegistration>(Partitions, MaxGroup,
            p => StringComparer.Ordinal.GetHashCode(p.Message.ModelName ?? ""), WriteGroupAsync);
    }

    /// <summary>The version an idempotency key already made, if any (no lock: a fast path before the artifact copy).</summary>
    public async Task<ModelVersionRegistered?> FindAsync(string modelName, string idempotencyKey, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<ExistingVersion>(
            new CommandDefinition(FindByKey, new { Name = modelName, Key = idempotencyKey }, cancellationToken: cancellationToken));
        return row?.ToEvent(modelName, idempotencyKey);
    }

    /// <summary>
    /// Registers a validated message whose files are stored: a new version, a duplicate of the version its key made, or a
    /// refusal found under the model's lock (idempotency conflict, unknown base model). <paramref name="cancellationToken"/>
    /// stops the wait, not a transaction already under way.
    /// </summary>
    public Task<RegistrationResult> RegisterAsync(ModelTrained message, string idempotencyKey, string manifestDigest,
        IReadOnlyList<StoredFile> files, Guid? messageId, DateTimeOffset now, string principal, CancellationToken cancellationToken) =>
        Submit(new PendingRegistration(message, idempotencyKey, manifestDigest, files, messageId, now, null, principal), cancellationToken);

    /// <summary>Registers with the worker itself as the audit actor: for versions written without a message (seeded data).</summary>
    public Task<RegistrationResult> RegisterAsync(ModelTrained message, string idempotencyKey, string manifestDigest,
        IReadOnlyList<StoredFile> files, Guid? messageId, DateTimeOffset now, CancellationToken cancellationToken) =>
        RegisterAsync(message, idempotencyKey, manifestDigest, files, messageId, now, AuditActor, cancellationToken);

    /// <summary>
    /// Records a refusal found before any state was touched (identity, validation, artifact checks); <paramref name="principal"/>
    /// is the sender, null when the message had none.
    /// </summary>
    public Task<RegistrationResult> RejectAsync(ModelTrained message, string? idempotencyKey, string reasonCode, string reason,
        Guid? messageId, DateTimeOffset now, string? principal, CancellationToken cancellationToken) =>
        Submit(new PendingRegistration(message, idempotencyKey, null, [], messageId, now, new Rejection(reasonCode, reason), principal), cancellationToken);

    private Task<RegistrationResult> Submit(PendingRegistration pending, CancellationToken cancellationToken)
    {
        queue.Enqueue(pending);
        return pending.Result.Task.WaitAsync(cancellationToken);
    }

    private async Task WriteGroupAsync(IReadOnlyList<PendingRegistration> group)
    {
        try
        {
            var results = await DatabaseResilience.Pipeline.ExecuteAsync(token => new ValueTask<RegistrationResult[]>(WriteAsync(group, token)),
                CancellationToken.None);
            for (var i = 0; i < group.Count; i++) group[i].Result.TrySetResult(results[i]);
        }
        catch (Exception e) when (group.Count > 1 && !DatabaseResilience.IsTransient(e))
        {
            // Whose fault? Each call alone tells: the others go through, the culprit gets the exception.
            foreach (var pending in group) await WriteGroupAsync([pending]);
        }
        catch (Exception e)
        {
            // Still transient after the retries (the database is away): every call fails, and its message is retried later.
            foreach (var pending in group) pending.Result.TrySetException(e);
        }
    }

    /// <summary>One transaction for the whole group: read, decide, write. The results in the group's order.</summary>
    private async Task<RegistrationResult[]> WriteAsync(IReadOnlyList<PendingRegistration> group, CancellationToken token)
    {
        await using var work = await UnitOfWork.BeginAsync(dataSource, token);
        var head = await RegistrationHead.ReadAsync(work.Connection, work.Transaction, group, token);

        var requests = new RegistrationRequest[group.Count];
        for (var i = 0; i < group.Count; i++) requests[i] = group[i].Request;
        var decided = RegistrationDecisions.Decide(requests, head.Read);
        var write = new RegistrationGroupWrite(work);
        var results = Apply(group, decided.Decisions, head, write);

        var unused = head.CreatedModelIds.Where(id => !write.UsesModel(id)).ToArray();
        if (!write.IsEmpty || unused.Length > 0)
        {
            await using var batch = write.Build(unused, decided.FixedGovernance);
            await batch.ExecuteNonQueryAsync(token);
        }
        // The events, then the audit records (last: the audit lock is held from there to the commit) and their
        // announcements; with nothing written, the commit keeps the inbox marks of duplicates.
        await work.CommitAsync(group[0].Now, token);
        return results;
    }

    /// <summary>Turns the decisions into rows, events and audit records (gathered in <paramref name="write"/>) and results.</summary>
    private static RegistrationResult[] Apply(IReadOnlyList<PendingRegistration> group, IReadOnlyList<RegistrationDecision> decisions,
        RegistrationHead head, RegistrationGroupWrite write)
    {
        var results = new RegistrationResult[group.Count];
        var made = new ModelVersionRegistered?[group.Count];
        for (var i = 0; i < group.Count; i++)
        {
            var p = group[i];
            var d = decisions[i];
            switch (d.Verdict)
            {
                case RegistrationVerdict.AlreadyProcessed:
                    results[i] = new RegistrationResult(RegistrationOutcome.AlreadyProcessed, null, null);
                    break;
                case RegistrationVerdict.Rejected:
                    results[i] = write.Reject(p, p.IdempotencyKey, d.Rejection!.ReasonCode, d.Rejection.Message);
                    break;
                case RegistrationVerdict.Duplicate:
                    results[i] = new RegistrationResult(RegistrationOutcome.Duplicate, d.MadeBy is { } earlier ? made[earlier] : d.Existing, null);
                    break;
                case RegistrationVerdict.Registered:
                    var registered = RegistrationEvents.Registered(p, d.Version);
                    var baseVersionId = d.BaseMadeBy is { } baseIndex ? made[baseIndex]!.ModelVersionId : d.BaseVersionId;
                    write.Register(p, head.ModelIds[p.Message.ModelName], registered, baseVersionId);
                    made[i] = registered;
                    results[i] = new RegistrationResult(RegistrationOutcome.Registered, registered, null);
                    break;
                default:
                    throw new InvalidOperationException($"unknown verdict {d.Verdict}");
            }
        }
        return results;
    }
}
