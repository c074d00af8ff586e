using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ModelRegistry.Contracts;

namespace ModelRegistry.Cli.Demo;

/// <summary>
/// Plays an evaluation job: runs a benchmark suite, a bias suite and a security scan on a version, publishes each result as
/// an <see cref="EvaluationCompleted"/> and waits on its own queue until the registry recorded it.
/// </summary>
internal sealed class EvaluationJobActor(DemoBroker broker, DemoInbox inbox, DemoLog log, TimeSpan timeout)
{
    public const string Name = "evaluator";
    /// <summary>Its inbox: <c>&lt;user&gt;.demo</c>, e.g. mreg-evaluator.demo.</summary>
    public const string InboxPurpose = "demo";
    public static readonly IReadOnlyList<Type> Events = [typeof(EvaluationRecorded), typeof(EvaluationRejected)];

    /// <summary>A benchmark suite's metrics, e.g. accuracy-v2 or smoke.</summary>
    public Task BenchmarkAsync(TrainedVersion version, string suite, IReadOnlyDictionary<string, double> metrics, CancellationToken ct) =>
        RecordAsync(version, suite, metrics, [], [], string.Join(", ", metrics.Select(m => $"{m.Key} {Number(m.Value)}")), ct);

    /// <summary>The bias suite (fairness-v1): demographic parity difference per protected attribute.</summary>
    public Task BiasAsync(TrainedVersion version, IReadOnlyDictionary<string, double> parityByAttribute, CancellationToken ct)
    {
        var assessments = parityByAttribute
            .Select(a => new BiasAssessment { Attribute = a.Key, Metric = "demographic_parity_difference", Value = a.Value }).ToList();
        return RecordAsync(version, "fairness-v1", new Dictionary<string, double>(), assessments, [],
            "demographic parity difference " + string.Join(", ", parityByAttribute.Select(a => $"{Number(a.Value)} ({a.Key})")), ct);
    }

    /// <summary>The security scan (security-scan): its findings, none when clean.</summary>
    public Task SecurityScanAsync(TrainedVersion version, IReadOnlyList<SecurityFinding> findings, CancellationToken ct) =>
        RecordAsync(version, "security-scan", new Dictionary<string, double>(), [], findings,
            findings.Count == 0 ? "no findings" : string.Join(", ", findings.Select(f => $"{f.Severity}: {f.Title}")), ct);

    private async Task RecordAsync(TrainedVersion version, string suite, IReadOnlyDictionary<string, double> metrics,
        List<BiasAssessment> bias, IReadOnlyList<SecurityFinding> findings, string summary, CancellationToken ct)
    {
        var evaluation = new EvaluationCompleted
        {
            EvaluationId = Guid.NewGuid(),
            ModelName = version.Model,
            Version = version.Version,
            Suite = suite,
            Dataset = Holdout(version.Model),
            Metrics = metrics.ToDictionary(),
            BiasAssessments = bias,
            SecurityFindings = [.. findings],
            EvaluatedAt = DateTimeOffset.UtcNow,
        };
        await broker.PublishAsync(Name, evaluation, ct);
        var answer = await inbox.WaitAsync(e => e switch
        {
            EvaluationRecorded r => r.EvaluationId == evaluation.EvaluationId,
            EvaluationRejected r => r.EvaluationId == evaluation.EvaluationId,
            _ => false,
        }, timeout, ct);
        switch (answer)
        {
            case EvaluationRecorded:
                log.Line(Name, $"{suite} on {version}: {summary} -> recorded");
                return;
            case EvaluationRejected rejected:
                throw new DemoFailure(Name, $"{suite} on {version} was refused: {rejected.ReasonCode}: {rejected.Message}");
            default:
                throw new DemoFailure(Name, $"no answer to the {suite} evaluation of {version} within {PromotionCommands.Format(timeout)}: is the registry running? (./mreg status)");
        }
    }

    private static DatasetRef Holdout(string model)
    {
        var name = $"{model}-holdout";
        return new DatasetRef { Name = name, Version = "2026-10", Digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name))) };
    }

    private static string Number(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
