using ModelRegistry.Deployments;
using ModelRegistry.Registration;

namespace ModelRegistry.Cli;

public sealed record ModelVersionSummary(int Version, DateTime RegisteredAt, string ManifestDigest, string? TrainingRunId, string Stage,
    DateTime? StageSince);
/// <summary>
/// One model in <c>mreg models list</c>: its summary, the versions now holding each stage beyond registered (retired left
/// out), and how many endpoints serve one of its versions now, by environment (the deployment history).
/// </summary>
public sealed record ModelListing(string Name, string OwnerTeam, string RiskTier, int? LatestVersion, long VersionCount, DateTime UpdatedAt,
    IReadOnlyDictionary<string, IReadOnlyList<int>> Stages, IReadOnlyDictionary<string, long> Serving);
public sealed record ModelDetail(string Name, string OwnerTeam, string? Description, string RiskTier, DateTime CreatedAt, DateTime UpdatedAt,
    IReadOnlyDictionary<string, string> Tags, IReadOnlyList<ModelVersionSummary> Versions);

/// <summary><c>mreg models list</c> and <c>mreg models show</c>.</summary>
public static class ModelsCommand
{
    /// <summary>Splits a <c>--tag</c> value at its first '='; null when there is none or the key is empty.</summary>
    public static KeyValuePair<string, string>? ParseTag(string text)
    {
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        return equals <= 0 ? null : new(text[..equals], text[(equals + 1)..]);
    }

    /// <summary>Models carrying every one of <paramref name="tags"/> (<c>KEY=VALUE</c>), owned by <paramref name="team"/> when given.</summary>
    public static async Task<int> ListAsync(CliSettings settings, IReadOnlyList<string> tags, string? team, bool json, TextWriter output,
        CancellationToken ct)
    {
        var wanted = new List<KeyValuePair<string, string>>();
        foreach (var text in tags)
        {
            if (ParseTag(text) is not { } tag)
            {
                await Console.Error.WriteLineAsync($"mreg: --tag {text}: expected KEY=VALUE");
                return 2;
            }
            wanted.Add(tag);
        }
        return await CliDatabase.ReadAsync(settings, async connection =>
        {
            var summaries = await ModelQueries.ListAsync(connection, team, wanted, ct);
            var held = await StageQueries.HeldByModelAsync(connection, summaries.Select(m => m.ModelId).ToList(), ct);
            var serving = await DeploymentQueries.ServingByModelAsync(connection, summaries.Select(m => m.ModelId).ToList(), ct);
            var models = summaries.Select(m => new ModelListing(m.Name, m.OwnerTeam, m.RiskTier, m.LatestVersion, m.VersionCount, m.UpdatedAt,
                StagesOf(held[m.ModelId]), ServingOf(serving[m.ModelId]))).ToList();
            if (json) CliJson.Write(output, models);
            else PrintList(models, output);
            return 0;
        }, ct);
    }

    public static Task<int> ShowAsync(CliSettings settings, string name, bool json, TextWriter output, CancellationToken ct) =>
        CliDatabase.ReadAsync(settings, async connection =>
        {
            if (await ModelQueries.FindAsync(connection, name, ct) is not { } found) return await CliDatabase.NotFoundAsync($"no model named '{name}'");
            var stages = await StageQueries.OfAsync(connection, found.Versions.Select(v => v.VersionId).ToList(), ct);
            var versions = found.Versions.Select(v => new ModelVersionSummary(v.Version, v.RegisteredAt, v.ManifestDigest, v.TrainingRunId,
                stages[v.VersionId].Stage, stages[v.VersionId].Since)).ToList();
            var model = found.Model;
            var detail = new ModelDetail(model.Name, model.OwnerTeam, model.Description, model.RiskTier, model.CreatedAt, model.UpdatedAt,
                found.Tags, versions);
            if (json) CliJson.Write(output, detail);
            else PrintDetail(detail, output);
            return 0;
        }, ct);

    // Furthest stage first, as people read a model's state.
    private static readonly string[] StageOrder = ["production", "canary", "shadow", "staging"];

    private static Dictionary<string, IReadOnlyList<int>> StagesOf(IEnumerable<ModelStageRow> rows)
    {
        var byStage = rows.GroupBy(r => r.Stage).ToDictionary(g => g.Key, g => (IReadOnlyList<int>)g.Select(r => r.Version).Order().ToList());
        var ordered = new Dictionary<string, IReadOnlyList<int>>();
        foreach (var stage in StageOrder.Concat(byStage.Keys.Except(StageOrder).Order(StringComparer.Ordinal)))
            if (byStage.TryGetValue(stage, out var versions)) ordered[stage] = versions;
        return ordered;
    }

    // Production first, then the other environments by name.
    private static Dictionary<string, long> ServingOf(IEnumerable<ModelServing> rows) =>
        rows.OrderBy(r => r.Environment == DeploymentQueries.Production ? 0 : 1).ThenBy(r => r.Environment, StringComparer.Ordinal)
            .ToDictionary(r => r.Environment, r => r.Endpoints);

    /// <summary>"production 2, staging 1": endpoints serving the model now, by environment; "-" when none.</summary>
    internal static string DescribeServing(IReadOnlyDictionary<string, long> serving) =>
        serving.Count == 0 ? "-" : string.Join(", ", serving.Select(s => $"{s.Key} {s.Value}"));

    /// <summary>"production 4, staging 6, 9": the newest three versions of a stage, and how many more there are.</summary>
    internal static string DescribeStages(IReadOnlyDictionary<string, IReadOnlyList<int>> stages) =>
        stages.Count == 0 ? "-" : string.Join(", ", stages.Select(s => s.Value.Count <= 3
            ? $"{s.Key} {string.Join(", ", s.Value)}"
            : $"{s.Key} {string.Join(", ", s.Value.TakeLast(3))} (+{s.Value.Count - 3} earlier)"));

    internal static string Time(DateTime t) => DateTime.SpecifyKind(t, DateTimeKind.Utc).ToString("u");

    private static void PrintList(List<ModelListing> models, TextWriter o)
    {
        if (models.Count == 0)
        {
            o.WriteLine("no models match");
            return;
        }
        o.WriteLine($"{"name",-32} {"team",-16} {"risk",-8} {"latest",6} {"versions",8}  {"updated",-20}  {"serving (endpoints)",-24}  stages");
        foreach (var m in models)
            o.WriteLine($"{m.Name,-32} {m.OwnerTeam,-16} {m.RiskTier,-8} {(m.LatestVersion is { } v ? v.ToString() : "-"),6} {m.VersionCount,8}  {Time(m.UpdatedAt),-20}  {DescribeServing(m.Serving),-24}  {DescribeStages(m.Stages)}");
    }

    private static void PrintDetail(ModelDetail m, TextWriter o)
    {
        o.WriteLine($"model        {m.Name}");
        o.WriteLine($"owner team   {m.OwnerTeam}");
        o.WriteLine($"risk tier    {m.RiskTier}");
        if (m.Description is not null) o.WriteLine($"description  {m.Description}");
        o.WriteLine($"created      {Time(m.CreatedAt)}");
        o.WriteLine($"updated      {Time(m.UpdatedAt)}");
        o.WriteLine($"tags         {(m.Tags.Count == 0 ? "-" : string.Join(", ", m.Tags.Select(t => $"{t.Key}={t.Value}")))}");
        o.WriteLine();
        if (m.Versions.Count == 0)
        {
            o.WriteLine("no versions");
            return;
        }
        o.WriteLine($"{"version",7}  {"stage",-10} {"registered",-20} {"manifest digest",-71}  training run");
        foreach (var v in m.Versions)
            o.WriteLine($"{v.Version,7}  {v.Stage,-10} {Time(v.RegisteredAt),-20} {v.ManifestDigest,-71}  {v.TrainingRunId ?? "-"}");
    }
}
