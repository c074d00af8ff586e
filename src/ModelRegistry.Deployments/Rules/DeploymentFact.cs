namespace ModelRegistry.Deployments.Rules;

/// <summary>What a deployment event says happened on an endpoint.</summary>
public enum DeploymentEventKind
{
    Deployed,
    Inventory,
    Undeployed,
    Failed,
}

/// <summary>One artifact an inventory report says the endpoint serves.</summary>
public sealed record ServedShare(string Digest, double Traffic, string? ReportedName);

/// <summary>
/// One distinct event of an endpoint, as the history fold reads it. <see cref="Key"/> identifies it by content
/// (<see cref="DeploymentInput.Key"/>): the same event delivered twice is one fact.
/// </summary>
public sealed record DeploymentFact(
    string Key,
    DeploymentEventKind Kind,
    string DeploymentId,
    DateTimeOffset At,
    string? ModelName = null,
    int? Version = null,
    string? Digest = null,
    double? Traffic = null,
    IReadOnlyList<ServedShare>? Served = null);

/// <summary>One interval of the history: what served on the endpoint with what share, [From, To); To null: still serving.</summary>
public sealed record HistoryInterval(
    string DeploymentId,
    string? ModelName,
    int? Version,
    string? Digest,
    double Traffic,
    DateTimeOffset From,
    DateTimeOffset? To,
    string Source,
    string? ClosedBy);

public static class IntervalSources
{
    /// <summary>Opened by a ModelDeployed.</summary>
    public const string Reported = "reported";

    /// <summary>Opened by an inventory report that showed a digest the history did not have open.</summary>
    public const string Observed = "observed";
}

public static class ClosedBy
{
    public const string Undeployed = "undeployed";
    public const string Failed = "failed";
    public const string Inventory = "inventory";
    public const string Replaced = "replaced";
    public const string Reported = "reported";
}
