namespace ModelRegistry.Platform.Rules;

/// <summary>
/// The severities of a security finding, least to most severe: evaluations report them, promotion gates compare them.
/// "none" is what an evaluation without findings reports.
/// </summary>
public static class FindingSeverities
{
    public static readonly IReadOnlyList<string> All = ["none", "info", "low", "medium", "high", "critical"];

    /// <summary>The rank of <paramref name="severity"/> in <see cref="All"/> (0 for "none"), or -1 when it is not one.</summary>
    public static int Rank(string? severity)
    {
        for (var i = 0; i < All.Count; i++)
        {
            if (string.Equals(All[i], severity, StringComparison.Ordinal)) return i;
        }
        return -1;
    }
}
