using MassTransit;
using ModelRegistry.Contracts;
using ModelRegistry.Platform;

namespace ModelRegistry.Platform;

public sealed class ProbeConsumer(IProbeStore store, HostInstance instance) : IConsumer<RunProbe>
{
    public async Task Consume(ConsumeContext<RunProbe> context)
    {
        var probe = context.Message;
        if (probe.ProbeId == Guid.Empty) throw new InvalidMessageException("RunProbe.ProbeId is missing");
        if (probe.RequestedBy.Length > 200) throw new InvalidMessageException("RunProbe.RequestedBy is longer than 200 characters");

        var recordedAt = await store.RecordAsync(probe, instance.Name, context.CancellationToken);
        await context.Publish(new ProbeCompleted { ProbeId = probe.ProbeId, RecordedBy = instance.Name, RecordedAt = recordedAt });
    }
}
