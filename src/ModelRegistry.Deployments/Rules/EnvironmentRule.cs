namespace ModelRegistry.Deployments.Rules;

/// <summary>
/// What may serve in one environment: the stages allowed, each with its traffic cap (null: up to 100 %), and whether
/// an artifact must be a registered version to serve there.
/// </summary>
public sealed record EnvironmentRule(string Name, IReadOnlyDictionary<string, double?> Stages, bool RequireRegistered)
{
    /// <summary>The allowed stages as a sentence fragment, e.g. "production, canary (at most 10 %)".</summary>
    public string Describe() => Stages.Count == 0
        ? "none"
        : string.Join(", ", ServingStages.Servable.Where(Stages.ContainsKey)
            .Select(s => Stages[s] is { } max ? $"{s} (at most {Percent(max)} % of traffic)" : s));

    internal static string Percent(double value) => value.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
}
