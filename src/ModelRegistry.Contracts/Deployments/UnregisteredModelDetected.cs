using MassTransit;

namespace ModelRegistry.Contracts.Deployments;

/// <summary>
/// Event: an endpoint serves an artifact whose manifest digest no registered version has (a shadow model). Announced
/// once per (endpoint, digest), however many heartbeats repeat it; triage with <c>mreg shadow</c>.
/// </summary>
[EntityName("mreg.unregistered-model-detected")]
public record UnregisteredModelDetected
{
    /// <summary>The endpoint serving it.</summary>
    public string EndpointId { get; init; } = "";

    /// <summary>The endpoint's environment.</summary>
    public string Environment { get; init; } = "";

    /// <summary>The unknown manifest digest.</summary>
    public string ManifestDigest { get; init; } = "";

    /// <summary>The name the platform reported, if any (information).</summary>
    public string? ReportedName { get; init; }

    /// <summary>Its traffic share when first seen.</summary>
    public double TrafficPercent { get; init; }

    /// <summary>When it was first seen serving (event time).</summary>
    public DateTimeOffset FirstSeenAt { get; init; }

    /// <summary>inventory (a heartbeat) or deployment (a ModelDeployed).</summary>
    public string Source { get; init; } = "";

    /// <summary>When the registry noticed.</summary>
    public DateTimeOffset DetectedAt { get; init; }
}
