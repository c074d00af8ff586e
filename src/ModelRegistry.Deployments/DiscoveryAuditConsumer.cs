using MassTransit;
using Microsoft.Extensions.Logging;
using ModelRegistry.Contracts.Deployments;
using ModelRegistry.Platform.Identity;

namespace ModelRegistry.Deployments;

/// <summary>
/// Runs the discovery audit when its schedule fires (<see cref="DiscoveryAuditJob"/>). Only the registry's own principal
/// fires it: a DiscoveryAuditDue from anyone else is refused and kept like a refused deployment event.
/// </summary>
public sealed class DiscoveryAuditConsumer(DiscoveryAudit audit, DeploymentStore store, AccessPolicy access, IMessagePrincipal principals,
    TimeProvider clock, ILogger<DiscoveryAuditConsumer> logger) : IConsumer<DiscoveryAuditDue>
{
    public async Task Consume(ConsumeContext<DiscoveryAuditDue> context)
    {
        var principal = principals.SenderOf(context);
        if (DeployInstructionsConsumer.RegistryOnly(principal, access, "fire the discovery audit (DiscoveryAuditDue)") is { } refused)
        {
            await store.RejectAsync(nameof(DiscoveryAuditDue), null, null, refused, principal, context.Message, context.MessageId, clock.GetUtcNow(),
                context.CancellationToken);
            logger.LogWarning("Refused DiscoveryAuditDue from {Principal}: {Reason}", principal ?? "(none)", refused.Message);
            return;
        }
        await audit.RunAsync(context.MessageId ?? DiscoveryAuditJob.IdOf(context.Message.ScheduledFor), context.Message.ScheduledFor,
            context.CancellationToken);
    }
}
