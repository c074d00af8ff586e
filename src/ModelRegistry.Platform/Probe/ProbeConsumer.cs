using MassTransit;
using ModelRegistry.Contracts;
using ModelRegistry.Platform.Identity;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Platform;

/// <summary>
/// Records a <see cref="RunProbe"/> and answers <see cref="ProbeCompleted"/>. Only a principal with the probe role, or the
/// registry itself, may probe; anything else, like a malformed probe, goes to probe_error at once with the reason.
/// </summary>
public sealed class ProbeConsumer(IProbeStore store, HostInstance instance, AccessPolicy access, IMessagePrincipal principals) : IConsumer<RunProbe>
{
    public async Task Consume(ConsumeContext<RunProbe> context)
    {
        var probe = context.Message;
        var principal = principals.SenderOf(context);
        if (Refusal(principal, access) is { } refused) throw new InvalidMessageException($"RunProbe refused: {refused.ReasonCode}: {refused.Message}");
        if (probe.ProbeId == Guid.Empty) throw new InvalidMessageException("RunProbe.ProbeId is missing");
        if (probe.RequestedBy.Length > 200) throw new InvalidMessageException("RunProbe.RequestedBy is longer than 200 characters");

        var recordedAt = await store.RecordAsync(probe, instance.Name, context.CancellationToken);
        await context.Publish(new ProbeCompleted { ProbeId = probe.ProbeId, RecordedBy = instance.Name, RecordedAt = recordedAt });
    }

    /// <summary>Who may probe: a principal with the probe role, or the registry; none is unauthenticated, anyone else not_permitted.</summary>
    public static Rejection? Refusal(string? principal, AccessPolicy access)
    {
        ArgumentNullException.ThrowIfNull(access);
        return AccessRules.Unauthenticated(principal)
            ?? (access.IsRegistry(principal) || access.Holds(principal!, AccessRoles.Probe)
                ? null
                : AccessRules.NotPermitted(principal!, $"run the probe (role '{AccessRoles.Probe}')"));
    }
}
