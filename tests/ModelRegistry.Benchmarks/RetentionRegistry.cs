using ModelRegistry.Retention.Rules;

namespace ModelRegistry.Benchmarks;

/// <summary>
/// A generated registry for the retention benchmark: M models of V/M versions each over 8 teams, registered over the two
/// years before <see cref="Now"/>; stage history (a fifth reached staging, 5 % went beyond it, 2 % reached production),
/// 1 % serving now, 0.5 % with an open promotion, 0.2 % of versions and 0.5 % of models on legal hold, a fifth built on an
/// earlier version (one in ten of those of another model), two objects per version (weights and config) of which 5 % of
/// versions share their weights with an earlier version, and retention states (10 % archived, 2 % deleted).
/// </summary>
internal sealed class RetentionRegistry
{
    public static readonly DateTimeOffset Now = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);
    private const int Teams = 8;

    public required int Models { get; init; }
    public required Guid[] ModelIds { get; init; }
    public required bool[] ModelHeld { get; init; }
    public required List<VersionFacts> Versions { get; init; }
    /// <summary>Per version: 0 registered only, 1 staging, 2 beyond staging (canary), 3 production.</summary>
    public required byte[] Stage { get; init; }
    public required bool[] VersionHeld { get; init; }

    public static string ModelName(int m) => $"bench-model-{m:D5}";
    public static string Team(int m) => $"team-{m % Teams}";
    public static Dictionary<string, string> Tags(int m) =>
        m % 3 == 0 ? new(StringComparer.Ordinal) { ["tier"] = "experimental" } : m % 3 == 1 ? new(StringComparer.Ordinal) { ["tier"] = "product" } : new(StringComparer.Ordinal);

    /// <summary>The policy the benchmark plans with: three rules, by team and tag and a default.</summary>
    public const string PolicyJson = """
        {
          "rules": [
            { "name": "team-0-experiments", "match": { "team": "team-0", "modelTag": { "key": "tier", "value": "experimental" } },
              "archiveAfterDays": 30, "keepNewest": 3, "deleteAfterDays": 60 },
            { "name": "experiments", "match": { "modelTag": { "key": "tier", "value": "experimental" } },
              "archiveAfterDays": 60, "keepNewest": 5, "deleteAfterDays": 120 },
            { "name": "default", "archiveAfterDays": 180, "keepNewest": 10, "deleteAfterDays": 365 }
          ]
        }
        """;

    public static RetentionPolicy Policy() =>
        RetentionPolicyReader.Read(PolicyJson, "benchmark policy").Policy ?? throw new InvalidOperationException("the benchmark policy is invalid");

    public static string Hex(long n, int salt) => $"{salt:x8}{n:x56}";

    public static RetentionRegistry Generate(int versions, int models, int seed = 15)
    {
        var random = new Random(seed);
        var perModel = Math.Max(1, versions / models);
        var modelIds = Enumerable.Range(0, models).Select(_ => Guid.CreateVersion7()).ToArray();
        var modelHeld = Enumerable.Range(0, models).Select(_ => random.Next(200) == 0).ToArray();
        var tags = Enumerable.Range(0, models).Select(Tags).ToArray();
        var total = perModel * models;
        var list = new List<VersionFacts>(total);
        var stage = new byte[total];
        var held = new bool[total];
        var ids = new Guid[total];
        var weights = new ObjectRef[total];
        var span = TimeSpan.FromDays(730).Ticks;
        for (var m = 0; m < models; m++)
        {
            // A model's versions registered in order at random times over the two years.
            var times = Enumerable.Range(0, perModel).Select(_ => Now.AddTicks(-(long)(random.NextDouble() * span))).Order().ToArray();
            for (var k = 0; k < perModel; k++)
            {
                var i = m * perModel + k;
                ids[i] = Guid.CreateVersion7();
                var roll = random.Next(1000);
                stage[i] = (byte)(roll < 20 ? 3 : roll < 50 ? 2 : roll < 200 ? 1 : 0);
                held[i] = random.Next(500) == 0;
                weights[i] = random.Next(20) == 0 && i > 0
                    ? weights[random.Next(2) == 0 && k > 0 ? i - 1 - random.Next(k) : random.Next(i)]
                    : new(Hex(i, 1), 1_000_000 + random.NextInt64(4_000_000_000));
                var config = new ObjectRef(Hex(i, 2), 500 + random.Next(4_000));
                Guid? baseId = random.Next(5) == 0 && i > 0 ? ids[random.Next(10) == 0 || k == 0 ? random.Next(i) : i - 1 - random.Next(k)] : null;
                var stateRoll = random.Next(100);
                var state = stateRoll < 2 ? RetentionState.Deleted : stateRoll < 12 ? RetentionState.Archived : RetentionState.Stored;
                DateTimeOffset? archivedAt = state == RetentionState.Stored ? null
                    : times[k] + TimeSpan.FromTicks((long)(random.NextDouble() * (Now - times[k]).Ticks));
                list.Add(new VersionFacts(ids[i], ModelName(m), k + 1, Team(m), tags[m], times[k], perModel - k,
                    stage[i] == 3, stage[i] >= 2, random.Next(100) == 0, random.Next(200) == 0, held[i] || modelHeld[m], baseId,
                    [weights[i], config], state, archivedAt));
            }
        }
        return new() { Models = models, ModelIds = modelIds, ModelHeld = modelHeld, Versions = list, Stage = stage, VersionHeld = held };
    }
}
