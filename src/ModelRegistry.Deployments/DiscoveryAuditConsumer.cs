using MassTransit;
using ModelRegistry.Contracts.Deployments;

namespace ModelRegistry.Deployments;

/// <summary>Runs the discovery audit when its schedule fires (<see cref="DiscoveryAuditJob"/>).</summary>
public sealed class DiscoveryAuditConsumer(DiscoveryAudit audit) : IConsumer<DiscoveryAuditDue>
{
    public Task Consume(ConsumeContext<DiscoveryAuditDue> context) =>
        audit.RunAsync(context.MessageId ?? DiscoveryAuditJob.IdOf(context.Message.ScheduledFor), context.Message.ScheduledFor, context.CancellationToken);
}
