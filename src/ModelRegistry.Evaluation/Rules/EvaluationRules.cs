using System.Globalization;
using ModelRegistry.Contracts;
using ModelRegistry.Platform.Rules;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Identity;

namespace ModelRegistry.Evaluation.Rules;

/// <summary>The pure checks of an <see cref="EvaluationCompleted"/> against the limits documented on the contract.</summary>
public static class EvaluationRules
{
    /// <summary>Severities from least to most severe; "none" is what <see cref="MaxSeverity"/> reports for no findings.</summary>
    public static IReadOnlyList<string> Severities => FindingSeverities.All;

    public const int MaxMetrics = 200;
    public const int MaxBiasAssessments = 200;
    public const int MaxBiasAttributeLength = 100;
    public const int MaxFindings = 500;
    public const int MaxFindingIdLength = 200;
    public const int MaxFindingTitleLength = 1000;

    /// <summary>The first problem with <paramref name="e"/>, or null when it may be recorded. Fields in declaration order.</summary>
    public static Rejection? Validate(EvaluationCompleted e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return (e.EvaluationId == Guid.Empty ? FieldRules.Missing("evaluationId") : null)
            ?? Target(e)
            ?? FieldRules.Name(e.Suite, "suite")
            ?? (e.Dataset is null ? null : DatasetRules.Check(e.Dataset, "dataset"))
            ?? Metrics(e.Metrics)
            ?? BiasAssessments(e.BiasAssessments)
            ?? SecurityFindings(e.SecurityFindings)
            ?? FieldRules.Timestamp(e.EvaluatedAt, "evaluatedAt");
    }

    /// <summary>
    /// Why the evaluation is refused before the database is consulted, or null: no principal (unauthenticated), a problem
    /// with the body, a principal the access policy does not let report the suite (not_permitted), or an
    /// <c>evaluatedAt</c> after <paramref name="now"/> + <paramref name="maxClockSkew"/> (evaluated_at_in_future).
    /// </summary>
    public static Rejection? Refusal(EvaluationCompleted e, string? principal, AccessPolicy access, DateTimeOffset now, TimeSpan maxClockSkew)
    {
        ArgumentNullException.ThrowIfNull(access);
        return AccessRules.Unauthenticated(principal)
            ?? Validate(e)
            ?? (access.MayReport(principal!, e.Suite) ? null : AccessRules.NotPermitted(principal!, $"report evaluations of suite '{e.Suite}'"))
            ?? InFuture(e.EvaluatedAt, now, maxClockSkew);
    }

    /// <summary>
    /// An <c>evaluatedAt</c> later than <paramref name="now"/> + <paramref name="maxClockSkew"/>: refused, since nothing was
    /// measured in the future (and a far-future date must not look like the newest run to anyone reading it).
    /// </summary>
    public static Rejection? InFuture(DateTimeOffset evaluatedAt, DateTimeOffset now, TimeSpan maxClockSkew)
    {
        var latest = now + maxClockSkew;
        return evaluatedAt <= latest
            ? null
            : new(RejectionReasons.EvaluatedAtInFuture, string.Create(CultureInfo.InvariantCulture,
                $"evaluatedAt: {evaluatedAt.ToUniversalTime():yyyy-MM-dd'T'HH:mm:ss'Z'} is {Ahead(evaluatedAt - now)} after the registry's clock ({now.ToUniversalTime():yyyy-MM-dd'T'HH:mm:ss'Z'}); at most {maxClockSkew.TotalSeconds:0} s of clock skew is allowed (Evaluation:MaxClockSkewSeconds)"));
    }

    private static string Ahead(TimeSpan ahead) => ahead.TotalDays >= 2
        ? string.Create(CultureInfo.InvariantCulture, $"{Math.Floor(ahead.TotalDays):0} days")
        : string.Create(CultureInfo.InvariantCulture, $"{Math.Floor(ahead.TotalSeconds):0} s");

    /// <summary>The most severe finding's severity: none, info, low, medium, high or critical. Unknown severities count as none.</summary>
    public static string MaxSeverity(IEnumerable<SecurityFinding> findings)
    {
        ArgumentNullException.ThrowIfNull(findings);
        var max = 0;
        foreach (var finding in findings)
        {
            var rank = finding is null ? -1 : IndexOf(finding.Severity);
            if (rank > max) max = rank;
        }
        return Severities[max];
    }

    /// <summary>How many findings of each severity, worst first; severities with none are left out.</summary>
    public static IReadOnlyDictionary<string, int> FindingCounts(IEnumerable<SecurityFinding> findings)
    {
        ArgumentNullException.ThrowIfNull(findings);
        return findings.Where(f => f is not null).GroupBy(f => f.Severity, StringComparer.Ordinal)
            .OrderByDescending(g => FindingSeverities.Rank(g.Key))
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
    }

    /// <summary>At most <paramref name="count"/> findings as "id (severity)", worst first, then by id.</summary>
    public static IReadOnlyList<string> WorstFindings(IEnumerable<SecurityFinding> findings, int count)
    {
        ArgumentNullException.ThrowIfNull(findings);
        return findings.Where(f => f is not null)
            .OrderByDescending(f => FindingSeverities.Rank(f.Severity)).ThenBy(f => f.Id, StringComparer.Ordinal)
            .Take(count).Select(f => $"{f.Id} ({f.Severity})").ToList();
    }

    private static int IndexOf(string? severity)
    {
        for (var i = 1; i < Severities.Count; i++)
        {
            if (string.Equals(Severities[i], severity, StringComparison.Ordinal)) return i;
        }
        return -1;
    }

    /// <summary>Exactly one way of naming the version: name and number, or the manifest digest.</summary>
    private static Rejection? Target(EvaluationCompleted e)
    {
        var byName = !string.IsNullOrEmpty(e.ModelName) || e.Version is not null;
        var byDigest = !string.IsNullOrEmpty(e.ArtifactDigest);
        if (byName == byDigest)
            return new(RejectionReasons.InvalidValue, byName
                ? "artifactDigest: give either modelName and version or artifactDigest, not both"
                : "modelName: give either modelName and version or artifactDigest");
        if (byDigest)
        {
            var digest = e.ArtifactDigest!;
            return digest.StartsWith("sha256:", StringComparison.Ordinal) && FieldRules.IsSha256Hex(digest["sha256:".Length..])
                ? null
                : new(RejectionReasons.InvalidValue, $"artifactDigest: {FieldRules.Shown(digest)} is not \"sha256:\" and 64 lowercase hex digits");
        }
        return FieldRules.Name(e.ModelName, "modelName")
            ?? (e.Version switch
            {
                null => FieldRules.Missing("version"),
                < 1 => new(RejectionReasons.InvalidValue, $"version: {e.Version} is not a version number (1 or more)"),
                _ => null,
            });
    }

    private static Rejection? Metrics(Dictionary<string, double>? metrics)
    {
        if (metrics is null) return null;
        if (metrics.Count > MaxMetrics) return new(RejectionReasons.LimitExceeded, $"metrics: {metrics.Count} metrics, at most {MaxMetrics}");
        foreach (var (name, value) in metrics.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            var field = $"metrics[{FieldRules.Shown(name)}]";
            if (!FieldRules.IsName(name))
                return new(RejectionReasons.InvalidName,
                    $"{field}: the name must be 1-{FieldRules.MaxNameLength} characters of a-z, 0-9, '.', '_', '-', starting with a letter or digit");
            if (Finite(value, field) is { } problem) return problem;
        }
        return null;
    }

    private static Rejection? BiasAssessments(List<BiasAssessment>? assessments)
    {
        if (assessments is null) return null;
        if (assessments.Count > MaxBiasAssessments)
            return new(RejectionReasons.LimitExceeded, $"biasAssessments: {assessments.Count} assessments, at most {MaxBiasAssessments}");
        for (var i = 0; i < assessments.Count; i++)
        {
            var field = $"biasAssessments[{i}]";
            var a = assessments[i];
            var problem = a is null
                ? FieldRules.Missing(field)
                : FieldRules.RequiredText(a.Attribute, $"{field}.attribute", MaxBiasAttributeLength)
                    ?? FieldRules.Name(a.Metric, $"{field}.metric")
                    ?? Finite(a.Value, $"{field}.value");
            if (problem is not null) return problem;
        }
        return null;
    }

    private static Rejection? SecurityFindings(List<SecurityFinding>? findings)
    {
        if (findings is null) return null;
        if (findings.Count > MaxFindings)
            return new(RejectionReasons.LimitExceeded, $"securityFindings: {findings.Count} findings, at most {MaxFindings}");
        for (var i = 0; i < findings.Count; i++)
        {
            var field = $"securityFindings[{i}]";
            var f = findings[i];
            var problem = f is null
                ? FieldRules.Missing(field)
                : FieldRules.RequiredText(f.Id, $"{field}.id", MaxFindingIdLength)
                    ?? Severity(f.Severity, $"{field}.severity")
                    ?? FieldRules.OptionalText(f.Title, $"{field}.title", MaxFindingTitleLength);
            if (problem is not null) return problem;
        }
        return null;
    }

    private static Rejection? Severity(string? severity, string field)
    {
        if (string.IsNullOrEmpty(severity)) return FieldRules.Missing(field);
        return IndexOf(severity) > 0
            ? null
            : new(RejectionReasons.InvalidValue, $"{field}: {FieldRules.Shown(severity)} is not one of info, low, medium, high, critical");
    }

    private static Rejection? Finite(double value, string field) =>
        double.IsFinite(value) ? null : new(RejectionReasons.InvalidValue, $"{field}: {value} is not a finite number");
}
