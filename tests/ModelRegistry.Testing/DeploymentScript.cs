using ModelRegistry.Contracts.Deployments;

namespace ModelRegistry.Testing;

/// <summary>
/// Plays a serving platform: one endpoint's deployments, traffic shifts, undeployments and failures (and, where the
/// test records them, inventory reports) in event-time order, and the orders in which at-least-once delivery from
/// several publishers may bring them.
/// </summary>
public static class DeploymentScript
{
    public static readonly DateTimeOffset T0 = new(2026, 2, 1, 9, 0, 0, TimeSpan.Zero);

    public static DateTimeOffset At(int minute) => T0.AddMinutes(minute);

    /// <summary>A digest no version has: 'sha256:' and the hex digit 64 times (c: X, d: Y in <see cref="Events"/>).</summary>
    public static string UnknownDigest(char letter) => "sha256:" + new string(letter, 64);

    /// <summary>
    /// d1 serves v1 (by digest) at 100 %, shifts to 40 % at 5 when d2 starts v2 (by name and version) at 60 %; d3 starts
    /// an unregistered artifact X at 8 and fails at 15; d1 is undeployed at 10 and redeployed at 20, when d2 is undeployed.
    /// With inventory: at 12 the endpoint reports v2, X and another unregistered artifact Y; at 25 only v1.
    /// </summary>
    public static List<object> Events(string endpoint, string model, string v1Digest, string v2Digest, bool inventory)
    {
        var events = new List<object>
        {
            Deployed(endpoint, "d1", 0, 100, digest: v1Digest),
            Deployed(endpoint, "d1", 5, 40, digest: v1Digest),
            Deployed(endpoint, "d2", 5, 60, model: model, version: 2),
            Deployed(endpoint, "d3", 8, 10, digest: UnknownDigest('c')),
            Undeployed(endpoint, "d1", 10),
            new DeploymentFailed
            {
                DeploymentId = "d3", EndpointId = endpoint, Environment = "production", ManifestDigest = UnknownDigest('c'), FailedAt = At(15),
                Reason = "OOMKilled",
            },
            Deployed(endpoint, "d1", 20, 100, digest: v1Digest),
            Undeployed(endpoint, "d2", 20),
        };
        if (inventory)
        {
            events.Insert(5, Inventory(endpoint, 12, (v2Digest, 60), (UnknownDigest('c'), 10), (UnknownDigest('d'), 5)));
            events.Add(Inventory(endpoint, 25, (v1Digest, 100)));
        }
        return events;
    }

    public static ModelDeployed Deployed(string endpoint, string deployment, int minute, double traffic, string? digest = null, string? model = null,
        int? version = null) => new()
    {
        DeploymentId = deployment, EndpointId = endpoint, Environment = "production", ModelName = model, Version = version, ManifestDigest = digest,
        TrafficPercent = traffic, DeployedAt = At(minute), DeployedBy = "kserve-controller",
    };

    public static ModelUndeployed Undeployed(string endpoint, string deployment, int minute) => new()
    {
        DeploymentId = deployment, EndpointId = endpoint, Environment = "production", UndeployedAt = At(minute), UndeployedBy = "kserve-controller",
    };

    public static EndpointInventoryReported Inventory(string endpoint, int minute, params (string Digest, double Traffic)[] served) => new()
    {
        EndpointId = endpoint, Environment = "production", ReportedAt = At(minute), Platform = "kserve",
        Models = served.Select(s => new ServedModel { ManifestDigest = s.Digest, TrafficPercent = s.Traffic }).ToList(),
    };

    /// <summary>The events shuffled, about a third of them delivered a second time (<c>Repeat</c>: a second delivery).</summary>
    public static List<(T Event, bool Repeat)> Arrival<T>(IReadOnlyList<T> inOrder, Random random)
    {
        var arrivals = inOrder.Select(e => (e, false)).Concat(inOrder.Where(_ => random.Next(3) == 0).Select(e => (e, true))).ToArray();
        random.Shuffle(arrivals);
        return [.. arrivals];
    }
}
