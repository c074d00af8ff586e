using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ModelRegistry.Contracts.Deployments;

namespace ModelRegistry.Deployments.Rules;

/// <summary>
/// A validated deployment event of any kind, in the one shape the store writes. <see cref="Key"/> is the SHA-256 of its
/// canonical content (what the history depends on): a redelivery, or the same event published by a second publisher,
/// has the same key and is stored once. <see cref="ReportedBy"/> is the principal that sent it (the broker's validated
/// user, docs/security.md), not part of the content: the body's deployedBy (<see cref="Actor"/>) is information.
/// </summary>
public sealed record DeploymentInput(
    DeploymentEventKind Kind,
    string EndpointId,
    string Environment,
    string DeploymentId,
    DateTimeOffset At,
    string? ModelName = null,
    int? Version = null,
    string? Digest = null,
    double? Traffic = null,
    Guid? InstructionId = null,
    string? Actor = null,
    string? Reason = null,
    IReadOnlyList<ServedShare>? Served = null,
    string? Platform = null,
    string? ReportedBy = null)
{
    public string Key { get; } = KeyOf(Kind, EndpointId, DeploymentId, At, ModelName, Version, Digest, Traffic, InstructionId, Served);

    /// <summary>The kind as stored and announced: deployed, inventory, undeployed, failed.</summary>
    public string KindName => NameOf(Kind);

    public DeploymentFact ToFact() => new(Key, Kind, DeploymentId, At, ModelName, Version, Digest, Traffic, Served);

    public static string NameOf(DeploymentEventKind kind) => kind.ToString().ToLowerInvariant();

    public static DeploymentInput From(ModelDeployed e) => new(DeploymentEventKind.Deployed, e.EndpointId, e.Environment, e.DeploymentId,
        e.DeployedAt, e.ModelName, e.Version, e.ManifestDigest, e.TrafficPercent, e.InstructionId, e.DeployedBy);

    public static DeploymentInput From(ModelUndeployed e) => new(DeploymentEventKind.Undeployed, e.EndpointId, e.Environment, e.DeploymentId,
        e.UndeployedAt, Actor: e.UndeployedBy, Reason: e.Reason);

    public static DeploymentInput From(DeploymentFailed e) => new(DeploymentEventKind.Failed, e.EndpointId, e.Environment, e.DeploymentId,
        e.FailedAt, e.ModelName, e.Version, e.ManifestDigest, InstructionId: e.InstructionId, Reason: e.Reason);

    /// <summary>A heartbeat as an event of the history (stored only when it changes what is open), reported by <paramref name="reportedBy"/>.</summary>
    public static DeploymentInput From(EndpointInventoryReported e, string? reportedBy = null) => new(DeploymentEventKind.Inventory, e.EndpointId,
        e.Environment, "inventory", e.ReportedAt, Served: e.Models.Select(m => new ServedShare(m.ManifestDigest, m.TrafficPercent, m.ModelName)).ToList(),
        Platform: e.Platform, ReportedBy: reportedBy);

    private static string KeyOf(DeploymentEventKind kind, string endpoint, string deployment, DateTimeOffset at, string? name, int? version,
        string? digest, double? traffic, Guid? instruction, IReadOnlyList<ServedShare>? served)
    {
        var text = new StringBuilder()
            .Append(NameOf(kind)).Append('\n').Append(endpoint).Append('\n').Append(deployment).Append('\n')
            .Append(at.UtcTicks.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append(name).Append('\n').Append(version?.ToString(CultureInfo.InvariantCulture)).Append('\n').Append(digest).Append('\n')
            .Append(traffic?.ToString("R", CultureInfo.InvariantCulture)).Append('\n').Append(instruction?.ToString("D")).Append('\n');
        foreach (var s in (served ?? []).OrderBy(s => s.Digest, StringComparer.Ordinal))
            text.Append(s.Digest).Append('=').Append(s.Traffic.ToString("R", CultureInfo.InvariantCulture)).Append(';');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}
