using FsCheck;
using FsCheck.Fluent;
using ModelRegistry.Retention.Rules;

namespace ModelRegistry.Domain.Tests.Retention;

/// <summary>
/// Random registries for the planner's properties: a few models (teams, tags, some on legal hold), versions with ages,
/// stage history, serving now, open promotions, holds, a base that is an earlier version (possibly of another model),
/// objects that are sometimes another version's (shared digests) and every retention state; and a policy of several
/// rules. Small on purpose: sharing, chains and rule matches happen often in a few dozen versions.
/// </summary>
public sealed record GeneratedRegistry(IReadOnlyList<VersionFacts> Versions, RetentionPolicy Policy, DateTimeOffset Now)
{
    public static readonly DateTimeOffset At = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly string[] Teams = ["vision", "speech", "ranking"];
    private static readonly (string Key, string Value)[] Tags = [("tier", "experimental"), ("tier", "product"), ("keep", "long"), ("owner", "lab")];

    public override string ToString() =>
        $"now {Now:O}; policy {string.Join(" | ", Policy.Rules)}\n" + string.Join("\n", Versions.Select(Describe));

    public static string Describe(VersionFacts v) =>
        $"{v.ModelName} v{v.Version} {IdOf(v.VersionId)} team={v.OwnerTeam} tags={string.Join(",", v.ModelTags.Select(t => $"{t.Key}={t.Value}"))} " +
        $"age={(At - v.RegisteredAt).TotalDays:F0}d rank={v.NewestRank} prod={v.EverProduction} beyond={v.EverBeyondStaging} serving={v.ServingNow} " +
        $"open={v.OpenPromotion} held={v.Held} base={(v.BaseVersionId is { } b ? IdOf(b) : "-")} objects={string.Join(",", v.Objects.Select(o => o.Sha256))} " +
        $"{v.State} archived={(v.ArchivedAt is { } a ? $"{(At - a).TotalDays:F0}d ago" : "-")}";

    public static string IdOf(Guid id) => id.ToString()[..8];

    private sealed record ModelSpec(int Team, int[] Tags, bool Held);

    private sealed record VersionSpec(int Model, int AgeDays, int Stage, bool Serving, bool Open, bool Held, int? BaseBack, int[] Objects,
        int State, int ArchivedDaysAgo);

    private static Gen<bool> Chance(int percent) => Gen.Choose(1, 100).Select(x => x <= percent);

    private static Gen<ModelSpec> Model() =>
        from team in Gen.Choose(0, Teams.Length - 1)
        from tags in Gen.SubListOf(Enumerable.Range(0, Tags.Length).ToArray())
        from held in Chance(8)
        select new ModelSpec(team, tags.ToArray(), held);

    private static Gen<VersionSpec> Version() =>
        from model in Gen.Choose(0, 4)
        from age in Gen.Frequency((3, Gen.Choose(0, 60)), (5, Gen.Choose(60, 730)))
        from stage in Gen.Frequency((14, Gen.Constant(0)), (3, Gen.Constant(1)), (3, Gen.Constant(2))) // staging at most, beyond, production
        from serving in Chance(8)
        from open in Chance(8)
        from held in Chance(6)
        from hasBase in Chance(40)
        from baseBack in Gen.Choose(0, 30)
        from objects in Gen.Choose(1, 3).SelectMany(k => Gen.ArrayOf(Gen.Choose(0, 99), k))
        from state in Gen.Frequency((10, Gen.Constant(0)), (6, Gen.Constant(1)), (1, Gen.Constant(2)), (3, Gen.Constant(3)))
        from archivedAgo in Gen.Choose(0, 200)
        select new VersionSpec(model, age, stage, serving, open, held, hasBase ? baseBack : null, objects, state, archivedAgo);

    private static Gen<RetentionRule> Rule(int index) =>
        from team in Gen.Frequency((2, Gen.Constant<string?>(null)), (1, Gen.Elements(Teams).Select(t => (string?)t)))
        from tag in Gen.Frequency((2, Gen.Constant<(string, string)?>(null)), (1, Gen.Elements(Tags).Select(t => ((string, string)?)t)))
        from anyValue in Chance(30)
        from archive in Gen.Frequency((1, Gen.Constant(0)), (4, Gen.Choose(1, 400)))
        from keep in Gen.Choose(0, 3)
        from delete in Gen.Frequency((1, Gen.Constant<int?>(null)), (2, Gen.Choose(1, 150).Select(d => (int?)d)))
        select new RetentionRule($"rule-{index}", team, tag?.Item1, tag is { } t && !anyValue ? t.Item2 : null, archive, keep, delete);

    private static Gen<RetentionPolicy> Policies() =>
        Gen.Choose(1, 4).SelectMany(k => Gen.CollectToList(Enumerable.Range(0, k).Select(Rule)))
            .Select(rules => new RetentionPolicy(rules.ToList()));

    public static Arbitrary<GeneratedRegistry> Arbitrary() =>
        (from models in Gen.Choose(1, 5).SelectMany(k => Gen.ArrayOf(Model(), k))
         from versions in Gen.Choose(1, 40).SelectMany(k => Gen.ArrayOf(Version(), k))
         from policy in Policies()
         select Build(models, versions, policy)).ToArbitrary();

    private static GeneratedRegistry Build(ModelSpec[] models, VersionSpec[] specs, RetentionPolicy policy)
    {
        var modelIds = models.Select((_, m) => $"model-{m}").ToArray();
        var tags = models.Select(m => (IReadOnlyDictionary<string, string>)m.Tags.Select(t => Tags[t])
            .DistinctBy(t => t.Key).ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal)).ToArray();
        var ids = specs.Select((_, i) => new Guid(i + 1, 0, 0, new byte[8])).ToArray();
        var numbers = new int[specs.Length];
        var counts = new int[models.Length];
        for (var i = 0; i < specs.Length; i++) numbers[i] = ++counts[specs[i].Model % models.Length];
        var shas = new List<string>();
        var versions = new List<VersionFacts>(specs.Length);
        for (var i = 0; i < specs.Length; i++)
        {
            var s = specs[i];
            var m = s.Model % models.Length;
            var objects = new List<ObjectRef>();
            foreach (var o in s.Objects)
            {
                // A quarter of the objects are an earlier version's (same digest); the rest are new.
                string sha;
                if (o % 4 == 0 && shas.Count > 0) sha = shas[o / 4 % shas.Count];
                else shas.Add(sha = $"sha-{shas.Count:D3}");
                objects.Add(new(sha, 100 + int.Parse(sha[4..]) * 7));
            }
            var state = (RetentionState)s.State;
            versions.Add(new VersionFacts(
                ids[i], modelIds[m], numbers[i], Teams[models[m].Team], tags[m], At.AddDays(-s.AgeDays).AddMinutes(-i),
                counts[m] - numbers[i] + 1, s.Stage == 2, s.Stage >= 1, s.Serving, s.Open, s.Held || models[m].Held,
                s.BaseBack is { } back && i > 0 ? ids[i - 1 - back % i] : null, objects, state,
                state == RetentionState.Stored ? null : At.AddDays(-s.ArchivedDaysAgo)));
        }
        return new(versions, policy, At);
    }
}
