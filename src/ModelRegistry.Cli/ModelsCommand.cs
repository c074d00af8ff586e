using Dapper;
using ModelRegistry.Promotion.Rules;
using ModelRegistry.Registration.Rules;

namespace ModelRegistry.Cli;

public sealed record ModelSummary(string Name, string OwnerTeam, string RiskTier, int? LatestVersion, long VersionCount, DateTime UpdatedAt);
public sealed record ModelVersionSummary(int Version, DateTime RegisteredAt, string ManifestDigest, string? TrainingRunId, string Stage,
    DateTime? StageSince);
public sealed record ModelDetail(string Name, string OwnerTeam, string? Description, string RiskTier, DateTime CreatedAt, DateTime UpdatedAt,
    IReadOnlyDictionary<string, string> Tags, IReadOnlyList<ModelVersionSummary> Versions);

/// <summary><c>mreg models list</c> and <c>mreg models show</c>.</summary>
public static class ModelsCommand
{
    // A model matches when none of the wanted labels is missing from its current labels.
    private const string ListSql = """
        SELECT m.name AS Name, m.owner_team AS OwnerTeam, m.risk_tier AS RiskTier,
               v.latest AS LatestVersion, v.count AS VersionCount, m.updated_at AS UpdatedAt
        FROM registry.models m
        CROSS JOIN LATERAL (SELECT max(version) AS latest, count(*) AS count
                            FROM registry.model_versions WHERE model_id = m.model_id) v
        WHERE (@Team::text IS NULL OR m.owner_team = @Team)
          AND NOT EXISTS (
              SELECT FROM unnest(@Keys::text[], @Values::text[]) AS wanted(key, value)
              WHERE NOT EXISTS (SELECT FROM registry.model_tags t
                                WHERE t.model_id = m.model_id AND t.key = wanted.key AND t.value = wanted.value))
        ORDER BY m.name
        """;

    private const string ShowSql = """
        SELECT name AS Name, owner_team AS OwnerTeam, description AS Description, risk_tier AS RiskTier,
               created_at AS CreatedAt, updated_at AS UpdatedAt
        FROM registry.models WHERE name = @Name;

        SELECT t.key AS Key, t.value AS Value
        FROM registry.model_tags t JOIN registry.models m USING (model_id)
        WHERE m.name = @Name ORDER BY t.key;

        SELECT v.version AS Version, v.registered_at AS RegisteredAt, v.manifest_digest AS ManifestDigest,
               l.training_run_id AS TrainingRunId, coalesce(s.stage, 'registered') AS Stage, s.since AS StageSince
        FROM registry.model_versions v JOIN registry.models m USING (model_id)
        LEFT JOIN registry.lineage l USING (version_id)
        LEFT JOIN registry.version_stages s ON s.version_id = v.version_id
        WHERE m.name = @Name ORDER BY v.version;
        """;

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
            var models = (await connection.QueryAsync<ModelSummary>(new CommandDefinition(ListSql, new
            {
                Team = team,
                Keys = wanted.Select(t => t.Key).ToArray(),
                Values = wanted.Select(t => t.Value).ToArray(),
            }, cancellationToken: ct))).ToList();
            if (json) CliJson.Write(output, models);
            else PrintList(models, output);
            return 0;
        }, ct);
    }

    public static Task<int> ShowAsync(CliSettings settings, string name, bool json, TextWriter output, CancellationToken ct) =>
        CliDatabase.ReadAsync(settings, async connection =>
        {
            await using var results = await connection.QueryMultipleAsync(new CommandDefinition(ShowSql, new { Name = name }, cancellationToken: ct));
            var model = await results.ReadSingleOrDefaultAsync<ModelRow>();
            if (model is null) return await CliDatabase.NotFoundAsync($"no model named '{name}'");
            var tags = (await results.ReadAsync<TagRow>()).ToDictionary(t => t.Key, t => t.Value);
            var versions = (await results.ReadAsync<ModelVersionSummary>()).ToList();
            var detail = new ModelDetail(model.Name, model.OwnerTeam, model.Description, model.RiskTier, model.CreatedAt, model.UpdatedAt,
                tags, versions);
            if (json) CliJson.Write(output, detail);
            else PrintDetail(detail, output);
            return 0;
        }, ct);

    internal static string Time(DateTime t) => DateTime.SpecifyKind(t, DateTimeKind.Utc).ToString("u");

    private static void PrintList(List<ModelSummary> models, TextWriter o)
    {
        if (models.Count == 0)
        {
            o.WriteLine("no models match");
            return;
        }
        o.WriteLine($"{"name",-32} {"team",-16} {"risk",-8} {"latest",6} {"versions",8}  updated");
        foreach (var m in models)
            o.WriteLine($"{m.Name,-32} {m.OwnerTeam,-16} {m.RiskTier,-8} {(m.LatestVersion is { } v ? v.ToString() : "-"),6} {m.VersionCount,8}  {Time(m.UpdatedAt)}");
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

    private sealed record ModelRow(string Name, string OwnerTeam, string? Description, string RiskTier, DateTime CreatedAt, DateTime UpdatedAt);

    private sealed record TagRow(string Key, string Value);
}
