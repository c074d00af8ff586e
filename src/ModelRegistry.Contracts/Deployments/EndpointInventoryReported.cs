using MassTransit;

namespace ModelRegistry.Contracts.Deployments;

/// <summary>
/// Periodic event from a serving endpoint (a heartbeat): every model artifact it serves now, with traffic shares. It
/// reconciles the deployment history: a digest the history does not have open opens an interval marked observed, and
/// one no longer reported closes. A digest the registry does not know is a shadow model. An unchanged heartbeat writes
/// nothing. Consumed in batches (docs/deployments.md, "Inventory").
/// </summary>
[EntityName("mreg.endpoint-inventory-reported")]
public record EndpointInventoryReported
{
    /// <summary>The endpoint.</summary>
    public string EndpointId { get; init; } = "";

    /// <summary>The endpoint's environment.</summary>
    public string Environment { get; init; } = "";

    /// <summary>What it serves now: at most 100 entries, one per manifest digest. Empty: it serves nothing.</summary>
    public List<ServedModel> Models { get; init; } = [];

    /// <summary>When the endpoint took this inventory. An offset is required.</summary>
    public DateTimeOffset ReportedAt { get; init; }

    /// <summary>The serving platform, e.g. "kserve" or "seldon" (information; name charset, at most 100 characters).</summary>
    public string? Platform { get; init; }
}

/// <summary>One artifact an endpoint serves now.</summary>
public record ServedModel
{
    /// <summary>Its manifest digest ("sha256:" and 64 hex digits).</summary>
    public string ManifestDigest { get; init; } = "";

    /// <summary>Its share of the endpoint's traffic: at least 0, at most 100.</summary>
    public double TrafficPercent { get; init; }

    /// <summary>The name the platform knows it by (information only; the digest identifies it).</summary>
    public string? ModelName { get; init; }
}
