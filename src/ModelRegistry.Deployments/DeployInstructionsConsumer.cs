using MassTransit;
using Microsoft.Extensions.Logging;
using ModelRegistry.Contracts;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Identity;
using ModelRegistry.Platform.Rules;
using Npgsql;

namespace ModelRegistry.Deployments;

/// <summary>
/// Keeps every <see cref="DeployModelVersion"/> the promotion worker publishes as a deploy instruction that a
/// ModelDeployed must acknowledge within Deployments:AcknowledgementTimeout (docs/deployments.md, "Acknowledgement").
/// Only the registry's own principal issues instructions: one from anyone else is refused and kept, never recorded.
/// </summary>
public sealed class DeployInstructionsConsumer(NpgsqlDataSource dataSource, DeploymentStore store, DeploymentsOptions options, AccessPolicy access,
    IMessagePrincipal principals, TimeProvider clock, ILogger<DeployInstructionsConsumer> logger) : IConsumer<DeployModelVersion>
{
    public const string Consumer = "deploy-instructions";

    public async Task Consume(ConsumeContext<DeployModelVersion> context)
    {
        var m = context.Message;
        var now = clock.GetUtcNow();
        var principal = principals.SenderOf(context);
        if ((RegistryOnly(principal, access, "issue deploy instructions (DeployModelVersion)") ?? Invalid(m)) is { } problem)
        {
            await store.RejectAsync(nameof(DeployModelVersion), null, m.DeploymentId.ToString("D"), problem, principal, m, context.MessageId, now,
                context.CancellationToken);
            logger.LogWarning("Refused DeployModelVersion {Instruction} from {Principal}: {Reason}", m.DeploymentId, principal ?? "(none)", problem.Message);
            return;
        }
        var recorded = await DatabaseResilience.Pipeline.ExecuteAsync(async token =>
        {
            await using var work = await UnitOfWork.BeginAsync(dataSource, token);
            if (!await work.TryMarkInboxAsync(context.MessageId, Consumer, token)) return false;
            var inserted = await DeployAcknowledgements.RecordInstructionAsync(work, m, options.AcknowledgementTimeout, token);
            await work.CommitAsync(now, token);
            return inserted;
        }, context.CancellationToken);
        if (recorded)
            logger.LogInformation("Deploy instruction {Instruction}: {Model}/{Version} ({Digest}) due {Due:u}", m.DeploymentId, m.ModelName, m.Version,
                m.ManifestDigest, m.IssuedAt + options.AcknowledgementTimeout);
    }

    /// <summary>
    /// The refusal of a message only the registry sends (the promotion worker's instructions, the scheduler's firings)
    /// from anyone else: none is unauthenticated, any other principal not_permitted.
    /// </summary>
    public static Rejection? RegistryOnly(string? principal, AccessPolicy access, string what)
    {
        ArgumentNullException.ThrowIfNull(access);
        return AccessRules.Unauthenticated(principal) ?? (access.IsRegistry(principal) ? null : AccessRules.NotPermitted(principal!, what));
    }

    /// <summary>What makes an instruction impossible to track; null when it can be.</summary>
    public static Rejection? Invalid(DeployModelVersion m)
    {
        ArgumentNullException.ThrowIfNull(m);
        if (m.DeploymentId == Guid.Empty) return new(RejectionReasons.MissingField, "deploymentId: required (the promotion or rollback id)");
        if (string.IsNullOrWhiteSpace(m.ModelName)) return new(RejectionReasons.MissingField, "modelName: required");
        if (m.Version < 1) return new(RejectionReasons.InvalidValue, $"version: {m.Version} is not a version number (1 or more)");
        if (string.IsNullOrWhiteSpace(m.ManifestDigest)) return new(RejectionReasons.MissingField, "manifestDigest: required");
        if (m.IssuedAt == default) return new(RejectionReasons.MissingField, "issuedAt: required");
        return null;
    }
}
