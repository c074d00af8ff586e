using System.Text.Json;
using Dapper;
using ModelRegistry.Contracts.Deployments;
using ModelRegistry.Deployments.Rules;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Audit;
using ModelRegistry.Platform.Identity;
using ModelRegistry.Platform.Outbox;
using ModelRegistry.Platform.Rules;
using Npgsql;

namespace ModelRegistry.Deployments;

public enum DeploymentOutcome
{
    Recorded,
    Duplicate,
    AlreadyProcessed,
    Rejected,
}

/// <summary>The version a digest (or a name and version) belongs to.</summary>
public sealed record ResolvedVersion(string Digest, Guid VersionId, string ModelName, int Version);

/// <summary>What a recorded event left serving on its endpoint, with the versions resolved (for the policy checks).</summary>
public sealed record DeploymentResult(DeploymentOutcome Outcome, IReadOnlyList<ResolvedInterval> Open, ResolvedVersion? Version);

/// <summary>An interval of the history with its registered version, when it has one.</summary>
public sealed record ResolvedInterval(HistoryInterval Interval, ResolvedVersion? Version);

/// <summary>
/// Writes deployment events and keeps each endpoint's interval history (docs/deployments.md, "History"): the event is
/// stored once by its content key, then the endpoint's intervals are rebuilt from all its events by the pure fold
/// (<see cref="DeploymentHistory"/>), under the endpoint row's lock, in one transaction with the inbox mark, the
/// outbox events and the audit records. The audit actor of what a serving platform reported is its principal
/// (<see cref="DeploymentInput.ReportedBy"/>); what the registry concludes from it (shadow models, violations,
/// acknowledgements) is audited as this worker.
/// </summary>
public sealed class DeploymentStore(NpgsqlDataSource dataSource, EnvironmentPolicy? policy = null, AccessPolicy? access = null)
{
    public const string Consumer = "deployments";

    /// <summary>The worker's own audit actor: its conclusions, and refusals of messages that name no principal.</summary>
    public const string AuditActor = "svc:deployments";

    /// <summary>
    /// Records <paramref name="input"/>: stores the event (once), rebuilds the endpoint's history, announces it, and
    /// notes an unregistered digest as a shadow model (announced once per endpoint and digest). Refuses it
    /// (not_permitted) when its principal may not serve the environment the endpoint is recorded in.
    /// </summary>
    public Task<DeploymentResult> RecordAsync(DeploymentInput input, Guid? messageId, DateTimeOffset now, CancellationToken cancellationToken) =>
        DatabaseResilience.Pipeline.ExecuteAsync(async token =>
        {
            await using var work = await UnitOfWork.BeginAsync(dataSource, token);
            if (!await work.TryMarkInboxAsync(messageId, Consumer, token)) return new DeploymentResult(DeploymentOutcome.AlreadyProcessed, [], null);

            if (await RecordedEnvironmentRefusalAsync(work, input, token) is { } refused)
            {
                await RejectInTransactionAsync(work, NameOfMessage(input.Kind), input.EndpointId, input.DeploymentId, refused, input.ReportedBy,
                    input, messageId, now, token);
                await work.CommitAsync(now, token);
                return new DeploymentResult(DeploymentOutcome.Rejected, [], null);
            }

            var version = await ResolveAsync(work, input, token);
            if (version is not null && input.Digest is not null && version.Digest != input.Digest)
            {
                await RejectInTransactionAsync(work, NameOfMessage(input.Kind), input.EndpointId, input.DeploymentId,
                    new(DeploymentReasons.DigestMismatch,
                        $"manifestDigest: {input.ModelName} v{input.Version} has manifest digest {version.Digest}, not {input.Digest}"),
                    input.ReportedBy, input, messageId, now, token);
                await work.CommitAsync(now, token);
                return new DeploymentResult(DeploymentOutcome.Rejected, [], version);
            }

            await using var upsert = new NpgsqlCommand(DeploymentSql.UpsertEndpoint, work.Connection, work.Transaction);
            AddParameters(upsert.Parameters, input.EndpointId, input.Environment, input.Platform, input.At.ToUniversalTime(),
                input.Kind == DeploymentEventKind.Inventory ? input.At.ToUniversalTime() : null);
            var environment = (string)(await upsert.ExecuteScalarAsync(token))!;
            var digest = input.Digest ?? version?.Digest;
            var inserted = await ExecuteAsync(work, DeploymentSql.InsertEvent, token, input.Key, input.EndpointId, input.DeploymentId, input.KindName,
                input.At.ToUniversalTime(), input.Environment, input.ModelName, input.Version, digest, input.Traffic, input.InstructionId,
                input.Actor, Details(input), messageId, now.ToUniversalTime());
            if (inserted == 0)
            {
                await work.CommitAsync(now, token);
                return new DeploymentResult(DeploymentOutcome.Duplicate, [], version);
            }

            // The endpoint's environment as of its latest event, not of the event that arrived last.
            var open = await RebuildAsync(work, input.EndpointId, environment, token);
            await ServingViolations.RaiseAsync(work, policy ?? EnvironmentPolicyFile.BuiltIn, input.EndpointId, environment, open, now, token);
            if (input.Kind == DeploymentEventKind.Inventory)
            {
                // Whether a digest is registered, not whether it is open now: a late heartbeat of a registered version
                // that no longer serves is no shadow model.
                var registered = await RegisteredDigestsAsync(work, input.Served ?? [], token);
                foreach (var share in (input.Served ?? []).Where(s => !registered.Contains(s.Digest)))
                    await NoteShadowAsync(work, input, share.Digest, share.ReportedName, share.Traffic, "inventory", now, token);
                work.Audit(new AuditAppend(input.ReportedBy ?? AuditActor, "deployment.inventory_changed", "endpoint", input.EndpointId, null, new
                {
                    environment = input.Environment,
                    reportedAt = input.At,
                    served = (input.Served ?? []).Select(s => new { digest = s.Digest, trafficPercent = s.Traffic }),
                    serving = open.Select(o => new { digest = o.Interval.Digest, model = o.Version?.ModelName, version = o.Version?.Version, source = o.Interval.Source }),
                    messageId,
                }));
            }
            else
            {
                if (input.Kind == DeploymentEventKind.Deployed && version is null && digest is not null)
                    await NoteShadowAsync(work, input, digest, input.ModelName, input.Traffic ?? 0, "deployment", now, token);
                Announce(work, input, version, digest, messageId, now);
                if (input.Kind == DeploymentEventKind.Deployed)
                    await DeployAcknowledgements.AcknowledgeByAsync(work, new DeployedFact(input.DeploymentId, input.EndpointId, input.Environment,
                        digest, input.At, input.InstructionId), token);
            }
            var result = new DeploymentResult(DeploymentOutcome.Recorded, open, version);
            await work.CommitAsync(now, token);
            return result;
        }, cancellationToken).AsTask();

    /// <summary>
    /// Records a refusal found before the database was consulted (who sent it, validation); the audit actor is
    /// <paramref name="principal"/>, or this worker when the message names none.
    /// </summary>
    public Task RejectAsync(string messageType, string? endpointId, string? deploymentId, Rejection rejection, string? principal, object payload,
        Guid? messageId, DateTimeOffset now, CancellationToken cancellationToken) =>
        DatabaseResilience.Pipeline.ExecuteAsync(async token =>
        {
            await using var work = await UnitOfWork.BeginAsync(dataSource, token);
            if (!await work.TryMarkInboxAsync(messageId, Consumer, token)) return;
            await RejectInTransactionAsync(work, messageType, endpointId, deploymentId, rejection, principal, payload, messageId, now, token);
            await work.CommitAsync(now, token);
        }, cancellationToken).AsTask();

    /// <summary>
    /// The refusal of a report that places a known endpoint in another environment than recorded, by a principal that
    /// may not serve the recorded one (<see cref="DeploymentRules.RecordedEnvironment"/>). Locks the endpoint's row
    /// first, as every writer of its history does. Not looked up for a principal that may serve any environment.
    /// </summary>
    private async Task<Rejection?> RecordedEnvironmentRefusalAsync(UnitOfWork work, DeploymentInput input, CancellationToken token)
    {
        if (access is null || input.ReportedBy is not { } principal || access.GrantsOf(principal).Environments.Any) return null;
        var recorded = await work.Connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(DeploymentSql.EnvironmentOfEndpoint,
            new { endpoint = input.EndpointId }, work.Transaction, cancellationToken: token));
        return DeploymentRules.RecordedEnvironment(principal, input.EndpointId, recorded, input.Environment, access);
    }

    /// <summary>The intervals of the endpoint rebuilt from all its events; returns the open ones with their versions.</summary>
    private static async Task<IReadOnlyList<ResolvedInterval>> RebuildAsync(UnitOfWork work, string endpointId, string environment, CancellationToken token)
    {
        var rows = await work.Connection.QueryAsync<EventRow>(new CommandDefinition(DeploymentSql.EventsOfEndpoint, new { endpoint = endpointId },
            work.Transaction, cancellationToken: token));
        var history = DeploymentHistory.Build(rows.Select(r => r.ToFact()));
        var versions = await ResolveAllAsync(work, history, token);
        ResolvedVersion? VersionOf(HistoryInterval i) =>
            i.Digest is not null ? versions.GetValueOrDefault(i.Digest) : versions.GetValueOrDefault($"{i.ModelName}:{i.Version}");

        await ExecuteAsync(work, DeploymentSql.DeleteIntervals, token, endpointId);
        if (history.Count > 0)
        {
            var resolved = history.Select(i => (i, v: VersionOf(i))).ToList();
            await ExecuteAsync(work, DeploymentSql.InsertIntervals, token, endpointId, environment,
                resolved.Select(x => x.i.DeploymentId).ToArray(),
                resolved.Select(x => x.v?.VersionId).ToArray(),
                resolved.Select(x => x.v?.ModelName ?? x.i.ModelName).ToArray(),
                resolved.Select(x => x.v?.Version ?? x.i.Version).ToArray(),
                resolved.Select(x => x.i.Digest ?? x.v?.Digest).ToArray(),
                resolved.Select(x => x.i.Traffic).ToArray(),
                resolved.Select(x => x.i.From.ToUniversalTime()).ToArray(),
                resolved.Select(x => x.i.To?.ToUniversalTime()).ToArray(),
                resolved.Select(x => x.i.Source).ToArray(),
                resolved.Select(x => x.i.ClosedBy).ToArray());
        }
        return history.Where(i => i.To is null).Select(i => new ResolvedInterval(i, VersionOf(i))).ToList();
    }

    /// <summary>Versions by digest, and by "name:version" for intervals that name no digest.</summary>
    private static async Task<Dictionary<string, ResolvedVersion>> ResolveAllAsync(UnitOfWork work, IReadOnlyList<HistoryInterval> history, CancellationToken token)
    {
        var digests = history.Select(i => i.Digest).OfType<string>().Distinct().ToArray();
        var found = digests.Length == 0 ? [] : (await work.Connection.QueryAsync<ResolvedVersion>(new CommandDefinition(DeploymentSql.VersionsByDigest,
            new { digests }, work.Transaction, cancellationToken: token))).ToDictionary(v => v.Digest);
        foreach (var named in history.Where(i => i.Digest is null && i.ModelName is not null).Select(i => (i.ModelName, i.Version)).Distinct())
        {
            var v = await work.Connection.QuerySingleOrDefaultAsync<ResolvedVersion>(new CommandDefinition(DeploymentSql.VersionByName,
                new { name = named.ModelName, version = named.Version }, work.Transaction, cancellationToken: token));
            if (v is not null) found[$"{named.ModelName}:{named.Version}"] = v;
        }
        return found;
    }

    private static async Task<HashSet<string>> RegisteredDigestsAsync(UnitOfWork work, IReadOnlyList<ServedShare> served, CancellationToken token) =>
        served.Count == 0 ? [] : (await work.Connection.QueryAsync<ResolvedVersion>(new CommandDefinition(DeploymentSql.VersionsByDigest,
            new { digests = served.Select(s => s.Digest).ToArray() }, work.Transaction, cancellationToken: token))).Select(v => v.Digest).ToHashSet();

    private static async Task<ResolvedVersion?> ResolveAsync(UnitOfWork work, DeploymentInput input, CancellationToken token)
    {
        if (input.ModelName is not null && input.Version is not null)
            return await work.Connection.QuerySingleOrDefaultAsync<ResolvedVersion>(new CommandDefinition(DeploymentSql.VersionByName,
                new { name = input.ModelName, version = input.Version }, work.Transaction, cancellationToken: token));
        if (input.Digest is null) return null;
        return (await work.Connection.QueryAsync<ResolvedVersion>(new CommandDefinition(DeploymentSql.VersionsByDigest,
            new { digests = new[] { input.Digest } }, work.Transaction, cancellationToken: token))).SingleOrDefault();
    }

    /// <summary>A digest no registered version has: the first sighting on this endpoint is announced and audited.</summary>
    private static async Task NoteShadowAsync(UnitOfWork work, DeploymentInput input, string digest, string? reportedName, double traffic,
        string source, DateTimeOffset now, CancellationToken token)
    {
        await using var command = new NpgsqlCommand(DeploymentSql.UpsertSighting, work.Connection, work.Transaction);
        AddParameters(command.Parameters, input.EndpointId, digest, input.Environment, reportedName is null ? null : Bounded.Clip(reportedName, 200),
            traffic, input.At.ToUniversalTime(), now.ToUniversalTime());
        if (await command.ExecuteScalarAsync(token) is not true) return;
        var detected = new UnregisteredModelDetected
        {
            EndpointId = input.EndpointId,
            Environment = input.Environment,
            ManifestDigest = digest,
            ReportedName = reportedName,
            TrafficPercent = traffic,
            FirstSeenAt = input.At,
            Source = source,
            DetectedAt = now,
        };
        work.Publish(detected);
        work.Audit(new AuditAppend(AuditActor, "shadow.detected", "shadow", digest, null, new
        {
            endpointId = input.EndpointId,
            environment = input.Environment,
            reportedName,
            trafficPercent = traffic,
            firstSeenAt = input.At,
            source,
        }));
    }

    private static void Announce(UnitOfWork work, DeploymentInput input, ResolvedVersion? version, string? digest, Guid? messageId, DateTimeOffset now)
    {
        work.Publish(new DeploymentRecorded
        {
            DeploymentId = input.DeploymentId,
            EndpointId = input.EndpointId,
            Environment = input.Environment,
            Kind = input.KindName,
            ModelName = version?.ModelName,
            Version = version?.Version,
            ModelVersionId = version?.VersionId,
            ManifestDigest = digest,
            TrafficPercent = input.Traffic,
            Registered = version is not null,
            At = input.At,
            RecordedAt = now,
        });
        work.Audit(new AuditAppend(input.ReportedBy ?? AuditActor, $"deployment.{input.KindName}", "endpoint", input.EndpointId, version?.ModelName, new
        {
            deploymentId = input.DeploymentId,
            environment = input.Environment,
            modelVersion = version is null ? null : $"{version.ModelName}/{version.Version}",
            reportedModel = version is null && input.ModelName is not null ? $"{input.ModelName}/{input.Version}" : null,
            manifestDigest = digest,
            registered = version is not null,
            trafficPercent = input.Traffic,
            at = input.At,
            by = input.Actor,
            reportedBy = input.ReportedBy,
            reason = input.Reason,
            instructionId = input.InstructionId,
            messageId,
        }));
    }

    private static async Task RejectInTransactionAsync(UnitOfWork work, string messageType, string? endpointId, string? deploymentId, Rejection rejection,
        string? principal, object payload, Guid? messageId, DateTimeOffset now, CancellationToken token)
    {
        // A field sent empty (or left out of a plain JSON body) names nothing: "(no endpoint)", not "ModelDeployed ".
        var endpoint = string.IsNullOrWhiteSpace(endpointId) ? null : Bounded.Clip(endpointId, 200);
        var deployment = string.IsNullOrWhiteSpace(deploymentId) ? null : Bounded.Clip(deploymentId, 200);
        await ExecuteAsync(work, DeploymentSql.InsertRejection, token, messageId, $"{messageType} {endpoint ?? "(no endpoint)"}",
            rejection.ReasonCode, Bounded.Storable(rejection.Message), AuditText.RefusedPayload(payload));
        work.Publish(new DeploymentEventRejected
        {
            MessageType = messageType,
            EndpointId = endpoint,
            DeploymentId = deployment,
            ReasonCode = rejection.ReasonCode,
            Message = Bounded.Storable(rejection.Message),
            RejectedAt = now,
        });
        work.Audit(new AuditAppend(principal ?? AuditActor, "deployment.rejected", "endpoint", endpoint ?? "(none)", null, new
        {
            messageType,
            deploymentId = deployment,
            reasonCode = rejection.ReasonCode,
            reason = AuditText.Storable(rejection.Message),
            messageId,
        }));
    }

    private static string NameOfMessage(DeploymentEventKind kind) => kind switch
    {
        DeploymentEventKind.Deployed => nameof(ModelDeployed),
        DeploymentEventKind.Undeployed => nameof(ModelUndeployed),
        DeploymentEventKind.Failed => nameof(DeploymentFailed),
        _ => nameof(EndpointInventoryReported),
    };

    private static string Details(DeploymentInput input) => JsonSerializer.Serialize(new StoredDetails(
        input.Reason, input.Served?.Select(s => new StoredShare(s.Digest, s.Traffic, s.ReportedName)).ToList(), input.ReportedBy), OutboxMessageTypes.Json);

    private static async Task<int> ExecuteAsync(UnitOfWork work, string sql, CancellationToken token, params object?[] values)
    {
        await using var command = new NpgsqlCommand(sql, work.Connection, work.Transaction);
        AddParameters(command.Parameters, values);
        return await command.ExecuteNonQueryAsync(token);
    }

    private static void AddParameters(NpgsqlParameterCollection parameters, params object?[] values)
    {
        foreach (var value in values) parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
    }

    internal sealed record StoredShare(string Digest, double Traffic, string? Name);

    /// <summary>The event's details column; <paramref name="ReportedBy"/> is the principal that reported it (null: recorded by the registry itself).</summary>
    internal sealed record StoredDetails(string? Reason, List<StoredShare>? Served, string? ReportedBy = null);

    private sealed record EventRow(string Key, string Kind, string DeploymentId, DateTime At, string? ModelName, int? Version, string? Digest,
        double? Traffic, string Details)
    {
        public DeploymentFact ToFact()
        {
            var kind = Enum.Parse<DeploymentEventKind>(Kind, ignoreCase: true);
            var served = kind == DeploymentEventKind.Inventory
                ? JsonSerializer.Deserialize<StoredDetails>(Details, OutboxMessageTypes.Json)?.Served?.Select(s => new ServedShare(s.Digest, s.Traffic, s.Name)).ToList()
                : null;
            return new DeploymentFact(Key, kind, DeploymentId, new DateTimeOffset(DateTime.SpecifyKind(At, DateTimeKind.Utc)), ModelName, Version, Digest, Traffic, served);
        }
    }
}
