using MassTransit;

namespace ModelRegistry.Contracts.Deployments;

/// <summary>
/// Event: the scheduled discovery audit ran (a Quartz job of the deployments worker; docs/deployments.md, "Discovery
/// audit"). Counts, and the first entries of each finding; the audit log keeps the same summary.
/// </summary>
[EntityName("mreg.discovery-audit-completed")]
public record DiscoveryAuditCompleted
{
    /// <summary>Identifies this run.</summary>
    public Guid AuditId { get; init; }

    /// <summary>When it started.</summary>
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>When it finished.</summary>
    public DateTimeOffset CompletedAt { get; init; }

    /// <summary>Endpoints known to the registry.</summary>
    public int Endpoints { get; init; }

    /// <summary>Endpoints that have sent nothing for longer than the configured threshold.</summary>
    public List<string> SilentEndpoints { get; init; } = [];

    /// <summary>Unregistered digests still serving, as "endpoint digest".</summary>
    public List<string> UnregisteredServing { get; init; } = [];

    /// <summary>Retired versions still serving, as "endpoint model vN".</summary>
    public List<string> RetiredServing { get; init; } = [];

    /// <summary>Deploy instructions past their acknowledgement time, by instruction id.</summary>
    public List<Guid> UnacknowledgedDeploys { get; init; } = [];

    /// <summary>How many endpoints are silent (<see cref="SilentEndpoints"/> lists the first 100, longest silent first).</summary>
    public int SilentEndpointCount { get; init; }

    /// <summary>How many unregistered (endpoint, digest) pairs serve (<see cref="UnregisteredServing"/> lists the first 100).</summary>
    public int UnregisteredServingCount { get; init; }

    /// <summary>How many (endpoint, retired version) pairs serve (<see cref="RetiredServing"/> lists the first 100).</summary>
    public int RetiredServingCount { get; init; }

    /// <summary>How many deploy instructions are past due and unacknowledged (<see cref="UnacknowledgedDeploys"/> lists the first 100, oldest first).</summary>
    public int UnacknowledgedDeployCount { get; init; }

    /// <summary>Violations raised by this run.</summary>
    public int NewViolations { get; init; }
}
